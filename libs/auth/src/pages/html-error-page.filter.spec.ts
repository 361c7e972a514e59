import { ArgumentsHost, BadRequestException, HttpStatus, Logger } from '@nestjs/common';
import { ProtocolException } from '@td-sync/http';
import { HtmlErrorPageFilter } from './html-error-page.filter';

/** Just enough of Fastify's reply to see what the filter answers. */
class RecordedReply {
  sent = false;
  statusCode = 200;
  readonly headerValues: Record<string, string> = {};
  payload: unknown;

  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  header(name: string, value: string): this {
    this.headerValues[name.toLowerCase()] = value;
    return this;
  }
  headers(values: Record<string, string>): this {
    for (const [name, value] of Object.entries(values)) this.header(name, value);
    return this;
  }
  send(payload: unknown): this {
    this.payload = payload;
    this.sent = true;
    return this;
  }
}

function handle(exception: unknown, accept?: string): RecordedReply {
  const reply = new RecordedReply();
  const request = { id: 'r1', method: 'POST', url: '/auth/verify', headers: accept ? { accept } : {} };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost;
  new HtmlErrorPageFilter().catch(exception, host);
  return reply;
}

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const rateLimited = () => new ProtocolException(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', 'rate limit exceeded');

describe('HtmlErrorPageFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers a refusal with an HTML page keeping its status, whatever the client accepts (PROTOCOL.md, HTML routes)', () => {
    for (const accept of [BROWSER, '*/*', 'application/json', undefined]) {
      const reply = handle(rateLimited(), accept);
      expect(reply.statusCode).toBe(429);
      expect(reply.headerValues['content-type']).toBe('text/html; charset=utf-8');
      expect(String(reply.payload)).toContain('Too many attempts');
    }
    const bad = handle(new BadRequestException('bad form'));
    expect(bad.statusCode).toBe(400);
    expect(String(bad.payload)).toContain('could not be read');
  });

  it('answers a busy server (503 unavailable) with an HTML page and its status', () => {
    const reply = handle(new ProtocolException(HttpStatus.SERVICE_UNAVAILABLE, 'unavailable', 'busy'));
    expect(reply.statusCode).toBe(503);
    expect(reply.headerValues['content-type']).toBe('text/html; charset=utf-8');
    expect(String(reply.payload)).toContain('busy');
  });

  it('answers a fault with an HTML page and 200, whatever the client accepts, and logs it', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    for (const accept of [BROWSER, undefined]) {
      const reply = handle(new Error('SQLITE_CORRUPT: /data/server.db'), accept);
      expect(reply.statusCode).toBe(200);
      expect(reply.headerValues['content-type']).toBe('text/html; charset=utf-8');
      expect(String(reply.payload)).toContain('Something went wrong');
      expect(String(reply.payload)).not.toContain('SQLITE');
    }
    expect(error).toHaveBeenCalledTimes(2);
  });
});
