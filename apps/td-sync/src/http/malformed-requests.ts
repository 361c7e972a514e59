import { errorBody } from '@td-sync/http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';

/**
 * Answers for requests that never reach a route, so that they too get the
 * PROTOCOL.md error body and an X-Request-ID instead of Fastify's own shapes.
 */

const UNPARSABLE = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request line and headers are too large'],
} as const;

/**
 * Fastify's `clientErrorHandler`: Node could not parse the bytes as an HTTP
 * request (a control character in a header, a broken request line, headers
 * over the limit, a request that trickled in too slowly). There is no request
 * to route, so the answer is written to the socket, which is then closed.
 */
export function answerUnparsableRequest(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] = UNPARSABLE[error.code as keyof typeof UNPARSABLE] ?? [400, 'Bad Request', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify(errorBody('bad_request', message));
  // A response already under way on this socket (a refusal answered before
  // its body, whose body then arrived too slowly) is the client's answer; a
  // second one would only garble it.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-ID: ${randomUUID().replace(/-/g, '')}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Fastify's `frameworkErrors`: the router could not read the URL (broken
 * percent-encoding) or a path segment is longer than any id could be; the
 * latter names no project, member or route there is, so it is a 404.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply
    .status(tooLong ? 404 : 400)
    .header('x-request-id', request.id)
    .header('content-type', 'application/json; charset=utf-8')
    .send(errorBody(tooLong ? 'not_found' : 'bad_request', tooLong ? 'not found' : 'the request URL is not valid'));
}
