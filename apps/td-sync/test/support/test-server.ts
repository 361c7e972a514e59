import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeyService, UsersService } from '@td-sync/auth';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../src/config/sync-config';
import { createApp } from '../../src/create-app';
import { capturedLogs } from './log-capture';

/**
 * The storage backends the protocol suites run against. Only SQLite exists
 * today; a PostgreSQL backend (SYNC_DATABASE_URL) joins this list, and
 * `startTestServer` learns to provision it, without touching the suites that
 * use `describeEachBackend`.
 */
export type Backend = 'sqlite';

export function backends(): readonly Backend[] {
  return ['sqlite'];
}

/**
 * `describe` once per backend, titled `<title> (<backend>)`. Suites that
 * assert only over HTTP use it and pass the backend to `startTestServer`;
 * suites that read the SQLite files themselves stay plain `describe`.
 */
export function describeEachBackend(title: string, suite: (backend: Backend) => void): void {
  for (const backend of backends()) describe(`${title} (${backend})`, () => suite(backend));
}

export interface TestServerOptions {
  backend?: Backend;
  /**
   * Files in this directory instead of a fresh temp one, for specs that stop a
   * server and start another on the same files; the caller removes it.
   */
  dataDir?: string;
}

export interface TestServer {
  app: NestFastifyApplication;
  url: string;
  backend: Backend;
  /** Temp directory of this server's files (SQLite databases, project databases); removed by close(). */
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The real application on a fresh temp data directory, listening on a free
 * loopback port. `env` overrides any SYNC_* setting. The directory is removed
 * on close(), and at once if the app fails to start (specs of start-up
 * errors would otherwise leave one behind per run). Its log lines go to
 * `capturedLogs` (support/log-capture.ts), not to the output.
 */
export async function startTestServer(env: Env = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const backend = options.backend ?? 'sqlite';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'td-sync-e2e-'));
  const removeDataDir = () => {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp({
      SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
      SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
      SYNC_LOG_LEVEL: 'error',
      ...env,
    });
    capturedLogs.install();
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await app?.close().catch(() => undefined);
    removeDataDir();
    throw error;
  }
  const started = app;
  const url = (await started.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app: started,
    url,
    backend,
    dataDir,
    async close() {
      try {
        await started.close();
      } finally {
        removeDataDir();
      }
    },
  };
}

export interface Caller {
  userId: string;
  email: string;
  apiKey: string;
}

/**
 * A user with a fresh API key, made through the same services a completed
 * login uses. Specs of the login flows themselves go through HTTP instead.
 */
export async function createCaller(server: TestServer, email: string): Promise<Caller> {
  const user = await server.app.get(UsersService).findOrCreate(email);
  const { key } = await server.app.get(ApiKeyService).issue(user.id);
  return { userId: user.id, email: user.email, apiKey: key };
}
