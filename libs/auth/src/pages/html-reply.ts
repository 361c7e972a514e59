import type { FastifyReply } from 'fastify';

/**
 * The auth pages carry login codes and link tokens: never cache them, never
 * leak the URL (which holds the token) in a Referer, never frame them (a framed
 * Approve button invites clickjacking), and run no script at all.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
} as const;

/** A page and the status it answers with: an error page says so with its status too (400, 403, 404, 410). */
export interface HtmlPage {
  status: number;
  html: string;
}

export function sendHtml(reply: FastifyReply, page: string, status = 200): void {
  void reply.status(status).headers(PAGE_HEADERS).send(page);
}

export function sendPage(reply: FastifyReply, page: HtmlPage): void {
  sendHtml(reply, page.html, page.status);
}

/** A field of a form-encoded body (the parser yields strings, or arrays for repeated fields). */
export function formField(body: unknown, name: string): string {
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}
