import type { FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

/** Resolves what Fastify itself would load, wherever npm placed it. */
const requireAsFastify = createRequire(require.resolve('fastify'));

/**
 * Fastify's own JSON Schema compilers (ajv for validation,
 * fast-json-stringify for serialization), loaded the first time a route
 * declares a Fastify schema rather than when the server starts.
 *
 * Why: Fastify loads both while it is created, and every module loaded stays
 * in V8's heap for the life of the process: 113 modules, 1.5 MB of heap,
 * which V8's old generation then grows by a multiple of before it collects
 * (docs/performance.md, Memory). td-sync's routes declare no Fastify schema:
 * Nest's ValidationPipe checks the DTOs and the sync lib's parsers check push
 * and pull, so the compilers are never needed. A route that does declare one
 * gets the compilers Fastify would have made (one of each, made on first
 * use), with one difference: Fastify counts a validator from a factory as
 * custom and passes a headers schema to it as written, without lowering its
 * keys, so such a schema must name headers in lower case.
 */
export function lazySchemaCompilers(): CompilersFactory {
  let validatorFactory: ValidatorFactory | undefined;
  let serializerFactory: SerializerFactory | undefined;
  const buildValidator: ValidatorFactory = (externalSchemas, options) => {
    validatorFactory ??= (requireAsFastify('@fastify/ajv-compiler') as () => ValidatorFactory)();
    return validatorFactory(externalSchemas, options);
  };
  const buildSerializer: SerializerFactory = (externalSchemas, options) => {
    serializerFactory ??= (requireAsFastify('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory }).SerializerSelector();
    return serializerFactory(externalSchemas, options);
  };
  return { buildValidator, buildSerializer };
}
