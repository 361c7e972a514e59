import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * The OpenAPI document as served: built once and sent as the same text to
 * every request, so the reference costs nothing per request. Building it
 * scans every controller and DTO (tens of milliseconds), so main.ts has it
 * built right after the server starts listening rather than before; a request
 * that comes first builds it then. The routes of the API never touch it.
 */
@Injectable()
export class PublishedApiDocument {
  private build: (() => OpenAPIObject) | undefined;
  private text: string | undefined;

  /** How to build the document from the finished application (createApp sets it). */
  buildWith(build: () => OpenAPIObject): void {
    this.build = build;
    this.text = undefined;
  }

  /** Builds the document now unless it is built already. */
  buildNow(): void {
    void this.json;
  }

  get json(): string {
    if (this.text === undefined) {
      if (!this.build) throw new Error('the OpenAPI document has nothing to build it from: createApp sets that');
      this.text = JSON.stringify(this.build());
      this.build = undefined;
    }
    return this.text;
  }
}
