import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the SMTP server received it, with the parts td-sync sends decoded. */
export interface ReceivedEmail {
  from: string;
  to: string[];
  /** Username the sender authenticated with, if any. */
  user: string | undefined;
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
}

export interface Mailbox {
  /** `smtp://user:pass@127.0.0.1:<port>`, for SYNC_SMTP_URL. */
  url: string;
  received: ReceivedEmail[];
  /** Resolves with the next (or an already received, not yet taken) message to `address`. */
  next(address: string): Promise<ReceivedEmail>;
  close(): Promise<void>;
}

const USER = 'td-sync';
const PASSWORD = 'mail-secret';

/**
 * A real SMTP server on a free loopback port that keeps what it receives, so
 * e2e specs exercise the smtp provider end to end (nodemailer, AUTH, MIME).
 */
export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedEmail[] = [];
  const taken = new Set<ReceivedEmail>();
  const waiters: Array<{ address: string; resolve: (email: ReceivedEmail) => void }> = [];

  const deliver = (email: ReceivedEmail) => {
    received.push(email);
    const index = waiters.findIndex((w) => email.to.includes(w.address));
    if (index >= 0) {
      taken.add(email);
      waiters.splice(index, 1)[0].resolve(email);
    }
  };

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        deliver({ ...parseMessage(raw), from, to, user: typeof session.user === 'string' ? session.user : undefined });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://${USER}:${PASSWORD}@127.0.0.1:${port}`,
    received,
    next(address: string) {
      const wanted = address.toLowerCase();
      const waiting = received.find((email) => !taken.has(email) && email.to.includes(wanted));
      if (waiting) {
        taken.add(waiting);
        return Promise.resolve(waiting);
      }
      return new Promise((resolve) => waiters.push({ address: wanted, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}

/** Enough MIME for what nodemailer produces: headers, one level of multipart, QP/base64/7bit bodies. */
function parseMessage(raw: string): Pick<ReceivedEmail, 'headers' | 'subject' | 'text' | 'html'> {
  const { headers, body } = splitEntity(raw);
  const parts = partsOf(headers, body);
  const text = parts.find((p) => p.type === 'text/plain')?.content ?? '';
  const html = parts.find((p) => p.type === 'text/html')?.content ?? '';
  return { headers, subject: decodeHeader(headers.get('subject') ?? ''), text, html };
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function partsOf(headers: Map<string, string>, body: string): Array<{ type: string; content: string }> {
  const contentType = headers.get('content-type') ?? 'text/plain';
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) return [];
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((chunk) => !chunk.startsWith('--'))
      .flatMap((chunk) => {
        const part = splitEntity(chunk.replace(/^\r\n/, ''));
        return partsOf(part.headers, part.body);
      });
  }
  return [{ type, content: decodeBody(body, headers.get('content-transfer-encoding') ?? '7bit') }];
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    default:
      return body.replace(/\r\n$/, '');
  }
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`), which nodemailer uses for non-ASCII subjects. */
function decodeHeader(value: string): string {
  return value.replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset: string, kind: string, data: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
}
