import { Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** At most one warn line per this long, however many connections are closed at the limit. */
const LOG_INTERVAL_MS = 60_000;

/**
 * Caps the open client connections at `maxConnections`, so sockets can never
 * take the descriptors the databases need, nor memory without bound.
 *
 * At the cap, a new connection does not simply bounce (Node's own
 * `server.maxConnections` closes the newcomer, so a thousand idle sockets
 * would lock out the health probe until they time out): the connection that
 * has been idle longest, one with no request in progress (never sent one,
 * still trickling its headers, or waiting between keep-alive requests), is
 * closed to make room. Only when every connection is serving a request is
 * the newcomer closed. An idle socket can therefore hold a place only while
 * nobody else needs it.
 */
export class ConnectionGovernor {
  private static readonly byServer = new WeakMap<Server, ConnectionGovernor>();

  /** The governor attached to `server`, for the start-up line. */
  static of(server: Server): ConnectionGovernor | undefined {
    return ConnectionGovernor.byServer.get(server);
  }

  /** Connections with no request in progress, longest idle first (a Set keeps insertion order). */
  private readonly idle = new Set<Socket>();
  /** Connections serving requests, with how many (pipelining can make it more than one). */
  private readonly busy = new Map<Socket, number>();
  private readonly logger = new Logger('Connections');
  private closedSinceLog = { idle: 0, refused: 0 };
  private lastLogAt = 0;

  constructor(readonly maxConnections: number) {}

  get openConnections(): number {
    return this.idle.size + this.busy.size;
  }

  attach(server: Server): void {
    ConnectionGovernor.byServer.set(server, this);
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.started(request.socket, response));
  }

  private admit(socket: Socket): void {
    socket.once('close', () => {
      this.idle.delete(socket);
      this.busy.delete(socket);
    });
    if (this.openConnections >= this.maxConnections) {
      const longestIdle = this.idle.values().next();
      if (longestIdle.done) {
        this.note('refused');
        socket.destroy();
        return;
      }
      this.idle.delete(longestIdle.value);
      longestIdle.value.destroy();
      this.note('idle');
    }
    this.idle.add(socket);
  }

  private started(socket: Socket, response: ServerResponse): void {
    this.idle.delete(socket);
    this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (this.busy.get(socket) ?? 1) - 1;
      if (left > 0) return void this.busy.set(socket, left);
      this.busy.delete(socket);
      if (!socket.destroyed) this.idle.add(socket);
    });
  }

  private note(kind: 'idle' | 'refused'): void {
    this.closedSinceLog[kind]++;
    const now = Date.now();
    if (now - this.lastLogAt < LOG_INTERVAL_MS) return;
    this.lastLogAt = now;
    const { idle, refused } = this.closedSinceLog;
    this.closedSinceLog = { idle: 0, refused: 0 };
    this.logger.warn(
      { max_connections: this.maxConnections, closed_idle: idle, refused },
      `connection limit of ${this.maxConnections} reached: closed ${idle} idle connection(s) for new ones and refused ${refused} while all were busy`,
    );
  }
}
