import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import type { HttpResult } from './http';

/** The document's operation for a method and a path template (`/v1/projects/{id}`), or undefined. */
export function operationOf(document: OpenAPIObject, method: string, template: string): OperationObject | undefined {
  return (document.paths[template] as Record<string, OperationObject> | undefined)?.[method.toLowerCase()];
}

/**
 * Holds real answers to the API reference: each must be documented for its
 * operation with its status and content type, carry the headers documented
 * for it, and (when JSON) match the documented schema. Schemas are checked
 * strictly: an object with documented properties may have no others, so a
 * field the server sends without documenting it fails too.
 */
export class OpenApiConformance {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly components: unknown;

  constructor(private readonly document: OpenAPIObject) {
    // OpenAPI 3.0 schema keywords JSON Schema lacks (example, discriminator, ...) are ignored; nullable is understood.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('binary', true);
    this.components = closeObjects(structuredClone(document.components));
  }

  /** Throws, naming the request, unless the answer is what the reference says. */
  check(method: string, template: string, result: HttpResult): void {
    const where = `${method} ${template} → ${result.status}`;
    const operation = operationOf(this.document, method, template);
    if (!operation) throw new Error(`${method} ${template} is not in the API reference`);
    const response = operation.responses[String(result.status)] as ResponseObject | undefined;
    if (!response) throw new Error(`${where}: the reference does not list this status (it lists ${Object.keys(operation.responses).join(', ')})`);

    for (const name of Object.keys(response.headers ?? {})) {
      if (!result.headers.has(name)) throw new Error(`${where}: documented header ${name} is missing`);
    }
    if (!/^[0-9a-f]{32}$/.test(result.headers.get('x-request-id') ?? '')) throw new Error(`${where}: no X-Request-ID`);

    const contentType = (result.headers.get('content-type') ?? '').split(';')[0].trim();
    if (result.text === '') {
      if (response.content && Object.keys(response.content).length > 0) throw new Error(`${where}: empty body, but the reference documents one`);
      return;
    }
    const media = response.content?.[contentType];
    if (!media) throw new Error(`${where}: answered ${contentType}, documented ${Object.keys(response.content ?? {}).join(', ') || 'no body'}`);
    if (contentType !== 'application/json' || !media.schema) return;
    const validate = this.validatorFor(`${where}`, media.schema);
    if (!validate(result.body)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params.additionalProperty ? `: ${String(e.params.additionalProperty)}` : ''}`);
      throw new Error(`${where}: body does not match the reference: ${problems.join('; ')}\n${result.text.slice(0, 500)}`);
    }
  }

  /** Validates a value against a schema of the document (for its examples). */
  matches(schema: object, value: unknown): boolean {
    return this.ajv.compile({ ...closeObjects(structuredClone(schema)), components: this.components })(value) === true;
  }

  private validatorFor(key: string, schema: object): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      // The schema's #/components/... references resolve inside this root.
      validate = this.ajv.compile({ ...closeObjects(structuredClone(schema)), components: this.components });
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/** Sets additionalProperties: false on every object schema that lists properties and says nothing about others. */
function closeObjects<T>(schema: T): T {
  if (Array.isArray(schema)) {
    schema.forEach(closeObjects);
  } else if (typeof schema === 'object' && schema !== null) {
    const object = schema as Record<string, unknown>;
    if (object.properties && object.additionalProperties === undefined) object.additionalProperties = false;
    Object.values(object).forEach(closeObjects);
  }
  return schema;
}
