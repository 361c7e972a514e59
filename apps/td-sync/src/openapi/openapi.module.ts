import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';
import { PublishedApiDocument } from './published-api-document';
import { SwaggerUiFiles } from './swagger-ui-files';

/** The API reference at /openapi.json and /docs; createApp tells PublishedApiDocument how to build the document. */
@Module({
  controllers: [OpenApiController],
  providers: [PublishedApiDocument, SwaggerUiFiles],
})
export class OpenApiModule {}
