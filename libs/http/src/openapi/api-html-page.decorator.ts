import { ApiResponse } from '@nestjs/swagger';

/** Documents an answer of a browser page: an HTML document with this status. */
export function ApiHtmlPage(status: number, description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, content: { 'text/html': { schema: { type: 'string' } } } });
}
