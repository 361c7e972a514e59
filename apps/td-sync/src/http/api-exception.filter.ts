import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defaultCodeFor, errorBody } from './error-body';

interface ErrorDescription {
  status: number;
  code: string;
  message: string;
}

/**
 * Turns every failure, on every route, into the PROTOCOL.md error body. Feature
 * code throws Nest HttpExceptions; one whose response object carries a `code`
 * (`new GoneException({ code: 'already_used', message })`) keeps it, any other
 * gets the code of its status. Anything that is not an HttpException is a bug or
 * a fault: it is logged with its stack and answered with a generic 500, since
 * its message may hold SQL or file paths.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, code, message } = describe(exception);
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

function describe(exception: unknown): ErrorDescription {
  if (!(exception instanceof HttpException)) {
    return { status: 500, code: 'internal_error', message: 'internal server error' };
  }
  const status = exception.getStatus();
  if (status >= 500 && status !== 503) {
    return { status, code: 'internal_error', message: 'internal server error' };
  }
  const response = exception.getResponse();
  let code = defaultCodeFor(status);
  let message = exception.message;
  if (typeof response === 'object' && response !== null) {
    const body = response as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.message === 'string') message = body.message;
    else if (Array.isArray(body.message)) message = body.message.join('; ');
  } else if (typeof response === 'string') {
    message = response;
  }
  return { status, code, message };
}
