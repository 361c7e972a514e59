import { readdirSync, readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import type { RawResponse } from './raw-http';

/**
 * A keep-alive HTTP/1.1 connection driven byte by byte, for what a client
 * library hides: reading the answer while the body is still being sent,
 * sending a body slowly, seeing whether the server reset the connection.
 * Responses are read by Content-Length (every answer of td-sync has one).
 */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: Array<() => void> = [];
  /** Set when the socket failed (ECONNRESET, EPIPE): what a reset looks like to the client. */
  error: NodeJS.ErrnoException | undefined;
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error ??= error;
    });
    this.closed = new Promise((done) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        done();
      }),
    );
  }

  static open(baseUrl: string): Promise<RawConnection> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes bytes; resolves once they are handed to the kernel (so a slow sender really is slow). */
  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /**
   * The next complete response; an error when the connection closes first, or
   * when none has come within `withinMs` (a bound, so that a server waiting
   * for a body the client holds back fails the spec instead of hanging it).
   */
  async nextResponse(withinMs = 15_000): Promise<RawResponse> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.wake();
    }, withinMs);
    try {
      for (;;) {
        const response = this.takeResponse();
        if (response) return response;
        if (this.isClosed) throw new Error(`connection closed before a complete response${this.error ? ` (${this.error.code})` : ''}`);
        if (timedOut) throw new Error(`no complete response within ${withinMs} ms`);
        await new Promise<void>((wake) => this.waiting.push(wake));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private takeResponse(): RawResponse | undefined {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const head = this.buffer.subarray(0, headEnd).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? 0);
    if (this.buffer.length < headEnd + 4 + length) return undefined;
    const body = this.buffer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
    const raw = this.buffer.subarray(0, headEnd + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(headEnd + 4 + length);
    return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]), headers, body, raw };
  }

  private wake(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/** The request line and headers of a request with a body of `length` bytes (keep-alive, as Go's client sends it). */
export function requestHead(method: string, target: string, length: number, headers: Record<string, string> = {}): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${length}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The peak resident set size of a process so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kib === undefined) throw new Error(`no VmHWM for process ${pid}`);
  return Number(kib) * 1024;
}

/** How many file descriptors a process has open. */
export function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
