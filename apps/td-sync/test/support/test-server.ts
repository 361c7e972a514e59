import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeyService, UsersService } from '@td-sync/auth';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../src/config/sync-config';
import { createApp } from '../../src/create-app';

export interface TestServer {
  app: NestFastifyApplication;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The real application on a fresh temp data directory, listening on a free
 * loopback port. `env` overrides any SYNC_* setting.
 */
export async function startTestServer(env: Env = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'td-sync-e2e-'));
  const app = await createApp({
    SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
    SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
    SYNC_LOG_LEVEL: 'error',
    ...env,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    dataDir,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
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
