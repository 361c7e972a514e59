import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html';
import { sendHtml } from './html-reply';
import { renderPage } from './page-layout';

const PAGE_MESSAGE_BY_STATUS: Record<number, string> = {
  413: 'The form was too large to read. Go back and try again.',
  415: 'The form was sent in an encoding this server does not read. Go back and try again.',
  429: 'Too many attempts from your network. Wait a minute, then try again.',
  503: 'The server is busy right now. Wait a moment, then try again.',
};

/**
 * The safety net of the browser pages: whatever escapes their handlers never
 * reaches a browser as the API's JSON error or as a bare 500.
 *
 * - A refusal (4xx, e.g. the rate limiter's 429, or the 503 of a server out of
 *   body budget) keeps its status and headers (Retry-After) and is an HTML
 *   page, whoever asks (PROTOCOL.md, HTML routes).
 * - A fault is logged with the request id and answered 200 with a page asking
 *   to try again, like the reference server's pages.
 */
@Catch()
export class HtmlErrorPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('AuthPages');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (reply.sent) return;

    if (exception instanceof HttpException && (exception.getStatus() < 500 || exception.getStatus() === 503)) {
      const status = exception.getStatus();
      sendHtml(reply, errorPage(PAGE_MESSAGE_BY_STATUS[status] ?? 'The request could not be read. Go back and try again.'), status);
      return;
    }

    // Errors from native modules may come from another realm, so test the shape, not instanceof.
    const message = typeof (exception as { message?: unknown } | null)?.message === 'string' ? (exception as Error).message : String(exception);
    this.logger.error({ request_id: request.id, method: request.method, path: request.url.split('?')[0], err: exception }, `auth page failed: ${message}`);
    sendHtml(reply, errorPage('Something went wrong on the server. Please try again in a moment.'));
  }
}

function errorPage(message: string): string {
  return renderPage('Something went wrong', html`<h1>Something went wrong</h1>
<p class="notice error" role="alert">${message}</p>`);
}
