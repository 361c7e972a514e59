import fastify, { type FastifyInstance } from 'fastify';
import { lazySchemaCompilers } from './lazy-schema-compilers';

/** A Fastify server with the lazy compilers, counting how often Fastify asks for each. */
function serverWithLazyCompilers() {
  const lazy = lazySchemaCompilers();
  const buildValidator = jest.fn(lazy.buildValidator!);
  const buildSerializer = jest.fn(lazy.buildSerializer!);
  const app = fastify({ schemaController: { compilersFactory: { buildValidator, buildSerializer } } });
  return { app, buildValidator, buildSerializer };
}

describe('lazySchemaCompilers', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is never asked for a compiler while no route declares a schema (so ajv and fast-json-stringify are never loaded)', async () => {
    const server = serverWithLazyCompilers();
    app = server.app;
    app.post('/echo', async (request) => request.body);
    app.get('/plain', async () => ({ ok: true }));
    await app.ready();

    expect((await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } })).json()).toEqual({ a: 1 });
    expect((await app.inject({ method: 'GET', url: '/missing' })).statusCode).toBe(404);
    expect(server.buildValidator).not.toHaveBeenCalled();
    expect(server.buildSerializer).not.toHaveBeenCalled();
  });

  it("validates and serializes a route that declares a schema with Fastify's own compilers, each made once", async () => {
    const server = serverWithLazyCompilers();
    app = server.app;
    const schema = {
      body: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 5 } } },
      response: { 200: { type: 'object', properties: { name: { type: 'string' } } } },
    };
    app.post('/named', { schema }, async (request) => ({ ...(request.body as object), secret: 'not in the schema' }));
    app.post('/again', { schema }, async (request) => request.body);
    await app.ready();

    const refused = await app.inject({ method: 'POST', url: '/named', payload: { name: 'far too long' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message: 'body/name must NOT have more than 5 characters' });

    const answered = await app.inject({ method: 'POST', url: '/named', payload: { name: 'ada' } });
    expect(answered.statusCode).toBe(200);
    expect(answered.body).toBe('{"name":"ada"}'); // fast-json-stringify wrote only what the schema names
    expect((await app.inject({ method: 'POST', url: '/again', payload: {} })).statusCode).toBe(400);

    // Fastify asks each factory once, however many routes declare schemas.
    expect(server.buildValidator).toHaveBeenCalledTimes(1);
    expect(server.buildSerializer).toHaveBeenCalledTimes(1);
  });
});
