import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_TAGS, BEARER_KEY_SCHEME, ErrorBodyDto } from '@td-sync/http';
import { addProtocolResponses } from './protocol-responses';

const DESCRIPTION = `The sync server of td, the local-first task tracker: device logins that issue API keys, projects and their members, and the replication log that td clients push events to and pull them from.

Every error answer has the ErrorBody shape; each operation lists the codes it can answer. Every response carries X-Request-ID, which the server's log line for the request names too.

A walk-through with curl is in docs/api.md of the repository.`;

/**
 * The OpenAPI document of the running application, made from its controllers
 * and DTOs, once (PublishedApiDocument says when); /openapi.json serves the result.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('td-sync')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (td_live_…) from a completed login: `Authorization: Bearer <key>`.' }, BEARER_KEY_SCHEME);
  for (const tag of Object.values(API_TAGS)) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ErrorBodyDto],
    // A controller without @ApiTags stays untagged, so the coverage test notices it.
    autoTagControllers: false,
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  return addProtocolResponses(document);
}
