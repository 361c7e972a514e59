import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { describeException, errorBody } from '@td-sync/http';
import { StorageUnavailableError } from '@td-sync/storage';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Turns every failure, on every route, into the PROTOCOL.md error body
 * (describeException: a ProtocolException keeps its code, any other
 * HttpException gets the code of its status). Anything that is not an
 * HttpException is a bug or a fault: it is logged with its stack and answered
 * with a generic 500, since its message may hold SQL or file paths. A
 * database that does not answer is neither: 503 unavailable with Retry-After,
 * so the client tries again shortly (PROTOCOL.md, Errors).
 */
/** How long a client should wait before retrying while the database does not answer. */
const DATABASE_RETRY_AFTER_SECONDS = 5;
const DATABASE_UNAVAILABLE = 'the database does not answer; retry shortly';

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof StorageUnavailableError) {
      this.logger.warn({ request_id: request.id, method: request.method, path: request.url.split('?')[0] }, exception.message);
      if (reply.sent) return;
      void reply
        .status(503)
        .header('retry-after', DATABASE_RETRY_AFTER_SECONDS)
        .header('content-type', 'application/json; charset=utf-8')
        .send(errorBody('unavailable', DATABASE_UNAVAILABLE));
      return;
    }
    const { status, code, message } = describeException(exception);
    if (status >= 500) {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(
        { request_id: request.id, method: request.method, path: request.url.split('?')[0], err },
        `request failed: ${err.message}`,
      );
    }
    if (reply.sent) return;
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(errorBody(code, message));
  }
}
