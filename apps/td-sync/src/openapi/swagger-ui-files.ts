import { Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The browsable reference's page: Swagger UI pointed at /openapi.json; its script is a file, so the page needs no inline script. */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>td-sync API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

/** validatorUrl null: the page would otherwise load a badge from a third-party validator. */
const DOCS_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });\n`;

const SWAGGER_UI_FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const;

export interface DocsFile {
  contentType: string;
  body: Buffer | string;
}

/** The files /docs/{file} serves. */
export const DOCS_FILE_NAMES = ['docs.js', ...Object.keys(SWAGGER_UI_FILES)];

/**
 * The browsable reference (/docs): a page of our own that loads Swagger UI
 * from the swagger-ui-dist package @nestjs/swagger depends on, served by
 * td-sync itself (SwaggerModule.setup would need @fastify/static). Only the
 * named files are served, each read on first use and kept: the bundle is
 * 1.5 MB that most servers never send.
 */
@Injectable()
export class SwaggerUiFiles {
  private readonly loaded = new Map<string, Promise<Buffer>>();
  private directory: string | undefined;

  get page(): string {
    return DOCS_PAGE;
  }

  /** The file of that name, or undefined when it is not one of the reference's files. */
  async file(name: string): Promise<DocsFile | undefined> {
    if (name === 'docs.js') return { contentType: 'text/javascript; charset=utf-8', body: DOCS_SCRIPT };
    if (!Object.hasOwn(SWAGGER_UI_FILES, name)) return undefined;
    const contentType = SWAGGER_UI_FILES[name as keyof typeof SWAGGER_UI_FILES];
    let body = this.loaded.get(name);
    if (!body) {
      body = readFile(join(this.swaggerUiDirectory(), name));
      // A failed read is not kept, so the next request tries again.
      body.catch(() => this.loaded.delete(name));
      this.loaded.set(name, body);
    }
    return { contentType, body: await body };
  }

  /** swagger-ui-dist as @nestjs/swagger resolves it, wherever npm placed it. */
  private swaggerUiDirectory(): string {
    this.directory ??= dirname(require.resolve('swagger-ui-dist/package.json', { paths: [dirname(require.resolve('@nestjs/swagger'))] }));
    return this.directory;
  }
}
