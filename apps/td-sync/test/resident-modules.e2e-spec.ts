import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { http } from './support/http';
import { spawnServer } from './support/spawned-server';

/**
 * What the built server keeps loaded. Every module's code and data stay in
 * V8's heap for the life of the process, and V8 lets its old generation
 * grow to a multiple of the live heap, so a dependency loaded for nothing
 * costs several times its size at every peak (docs/performance.md, Memory).
 * These are the ones td-sync stopped loading, each with what replaced it.
 */
describe('modules the built server keeps loaded', () => {
  let modules: string[];

  beforeAll(async () => {
    const server = await spawnServer({
      env: {
        // Quoted: NODE_OPTIONS splits on spaces, and a checkout's path may have some.
        NODE_OPTIONS: `--require "${resolve(__dirname, 'support/record-loaded-modules.cjs')}"`,
        TD_SYNC_SPEC_LOADED_MODULES: 'loaded-modules.txt',
      },
    });
    try {
      // Through the validation pipe: a DTO checked, and one refused.
      expect((await http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'resident@example.com' } })).status).toBe(200);
      expect((await http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'not an address' } })).status).toBe(400);
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
    const list = join(server.dataDir, 'loaded-modules.txt');
    modules = existsSync(list) ? readFileSync(list, 'utf8').split('\n') : [];
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  const loaded = (pattern: RegExp) => modules.filter((path) => pattern.test(path));

  it('records what it loaded (the server, Nest, the validator it uses)', () => {
    expect(loaded(/\/dist\/apps\/td-sync\/src\/main\.js$/)).toHaveLength(1);
    expect(loaded(/\/@nestjs\/core\//).length).toBeGreaterThan(10);
    expect(loaded(/\/class-validator\/cjs\/validation\/Validator\.js$/)).toHaveLength(1);
  });

  it("validates without class-validator's index, so neither validator.js's hundred modules nor libphonenumber-js's metadata", () => {
    expect(loaded(/\/class-validator\/cjs\/index\.js$/)).toEqual([]);
    expect(loaded(/\/node_modules\/libphonenumber-js\//)).toEqual([]);
    // IsEmail's own check is the one module of validator.js a DTO asks for (with what it imports).
    expect(loaded(/\/node_modules\/validator\/lib\//).length).toBeLessThan(10);
  });

  it('runs its periodic job on a plain timer, without @nestjs/schedule, cron or luxon', () => {
    expect(loaded(/\/node_modules\/(@nestjs\/schedule|cron|luxon)\//)).toEqual([]);
  });

  it('reads its settings without @nestjs/config or dotenv', () => {
    expect(loaded(/\/node_modules\/(@nestjs\/config|dotenv|dotenv-expand)\//)).toEqual([]);
  });

  it("leaves Fastify's schema compilers (ajv, fast-json-stringify) unloaded: no route declares a Fastify schema", () => {
    expect(loaded(/\/node_modules\/(ajv|ajv-formats|@fastify\/ajv-compiler|@fastify\/fast-json-stringify-compiler)\//)).toEqual([]);
    // Fastify's own error serializer takes one module of fast-json-stringify, not its compiler.
    expect(loaded(/\/node_modules\/fast-json-stringify\/index\.js$/)).toEqual([]);
  });
});
