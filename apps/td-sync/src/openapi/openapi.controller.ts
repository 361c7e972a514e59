import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiErrors, ApiHtmlPage, Public } from '@td-sync/http';
import type { FastifyReply } from 'fastify';
import { PublishedApiDocument } from './published-api-document';
import { DOCS_FILE_NAMES, SwaggerUiFiles } from './swagger-ui-files';

/**
 * The page loads only its own files and /openapi.json. Swagger UI needs inline
 * styles and data: images, nothing more; no framing, so a "Try it out" form
 * holding an API key cannot be clickjacked.
 */
const DOCS_PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** The API reference: the OpenAPI document and Swagger UI over it. Public and never rate limited, like /healthz. */
@Public()
@ApiTags(API_TAGS.docs.name)
@Controller()
export class OpenApiController {
  constructor(
    private readonly document: PublishedApiDocument,
    private readonly swaggerUi: SwaggerUiFiles,
  ) {}

  @Get('openapi.json')
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOperation({ summary: 'This reference as an OpenAPI 3 document' })
  @ApiOkResponse({ description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } })
  openApiDocument(): string {
    return this.document.json;
  }

  @Get('docs')
  @ApiOperation({ summary: 'This reference in a browser (Swagger UI)' })
  @ApiHtmlPage(200, 'Swagger UI showing /openapi.json.')
  docsPage(@Res() reply: FastifyReply): void {
    void reply.headers(DOCS_PAGE_HEADERS).send(this.swaggerUi.page);
  }

  @Get('docs/:file')
  @ApiOperation({ summary: 'A file the browsable reference loads' })
  @ApiParam({ name: 'file', enum: DOCS_FILE_NAMES })
  @ApiOkResponse({
    description: 'The file, by its name: a script, a stylesheet or an icon.',
    content: {
      'text/javascript': { schema: { type: 'string' } },
      'text/css': { schema: { type: 'string' } },
      'image/png': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiErrors({ not_found: 'no such file' })
  async docsFile(@Param('file') name: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | string> {
    const file = await this.swaggerUi.file(name);
    if (!file) throw new NotFoundException(`no such file: ${name}`);
    void reply.header('content-type', file.contentType).header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff');
    return file.body;
  }
}
