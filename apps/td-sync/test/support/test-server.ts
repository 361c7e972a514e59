import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeyService, UsersService } from '@td-sync/auth';
import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../src/config/sync-config';
import { createApp } from '../../src/create-app';
import { capturedLogs } from './log-capture';
import { eventsPartitionsWanted, migrateWithPartitionedEvents } from './partitioned-events';

/**
 * The storage backends the protocol suites run against: SQLite files, and
 * PostgreSQL (SYNC_DATABASE_URL) on this jest worker's embedded cluster, a
 * fresh database per server. TD_SYNC_TEST_BACKENDS=sqlite (or postgres)
 * narrows a run to one of them while working on the other;
 * TD_SYNC_TEST_EVENTS_PARTITIONS=N gives every such database an events table
 * hash-partitioned by project_id (support/partitioned-events.ts).
 */
export type Backend = 'sqlite' | 'postgres';

const ALL_BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

export function backends(): readonly Backend[] {
  const wanted = process.env.TD_SYNC_TEST_BACKENDS?.split(',').map((name) => name.trim());
  return wanted ? ALL_BACKENDS.filter((backend) => wanted.includes(backend)) : ALL_BACKENDS;
}

/**
 * `describe` once per backend, titled `<title> (<backend>)`. Suites that
 * assert only over HTTP (or through storage's repositories) use it and pass
 * the backend to `startTestServer`; suites that read the SQLite files
 * themselves stay plain `describe`.
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
  /**
   * For 'postgres': serve this database (another server's) instead of a
   * fresh one, as a second node of the same deployment; its owner drops it.
   */
  database?: TestDatabase;
}

export interface TestServer {
  app: NestFastifyApplication;
  url: string;
  backend: Backend;
  /** Temp directory of this server's files (SQLite databases, project databases); removed by close(). */
  dataDir: string;
  /** The server's PostgreSQL database (backend 'postgres'); dropped by close() unless it was given. */
  database: TestDatabase | undefined;
  close(): Promise<void>;
}

/**
 * The real application on a fresh temp data directory (and, for PostgreSQL,
 * a fresh database), listening on a free loopback port. `env` overrides any
 * SYNC_* setting. The directory is removed and the database dropped on
 * close(), and at once if the app fails to start (specs of start-up errors
 * would otherwise leave one behind per run). Its log lines go to
 * `capturedLogs` (support/log-capture.ts), not to the output.
 */
export async function startTestServer(env: Env = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const backend = options.backend ?? 'sqlite';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'td-sync-e2e-'));
  const removeDataDir = () => {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const ownsDatabase = options.database === undefined;
  let database = backend === 'postgres' ? options.database : undefined;
  const dropDatabase = async () => {
    if (ownsDatabase) await database?.drop();
  };
  let app: NestFastifyApplication | undefined;
  try {
    if (backend === 'postgres' && database === undefined) {
      database = await createTestDatabase();
      const partitions = eventsPartitionsWanted();
      if (partitions) await migrateWithPartitionedEvents(database.url, partitions, { SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'), ...env });
    }
    app = await createApp({
      SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
      SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
      SYNC_LOG_LEVEL: 'error',
      ...(database ? { SYNC_DATABASE_URL: database.url } : {}),
      ...env,
    });
    capturedLogs.install();
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await dropDatabase().catch(() => undefined);
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
    database,
    async close() {
      try {
        await started.close();
      } finally {
        removeDataDir();
        await dropDatabase();
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
