import type { Provider } from '@nestjs/common';
import { AUTH_OPTIONS, checkAuthOptions } from '@td-sync/auth';
import { INFLIGHT_BODY_BYTES, RATE_LIMITS } from '@td-sync/http';
import { STORAGE_OPTIONS, StorageOptions } from '@td-sync/storage';
import { SyncConfig } from './sync-config';

/** Storage's options: SQLite paths, or PostgreSQL when a database URL is set. */
export function storageOptionsFrom(config: SyncConfig): StorageOptions {
  return {
    serverDbPath: config.serverDbPath,
    projectDataDir: config.projectDataDir,
    maxOpenProjects: config.maxOpenProjects,
    database:
      config.databaseUrl === undefined
        ? undefined
        : { url: config.databaseUrl, poolSize: config.databasePoolSize, connectTimeoutMs: config.databaseConnectTimeoutMs },
  };
}

/**
 * What each library needs from the configuration, under the token it injects.
 * The configuration module provides these to everyone (it is the one global
 * module); every other module imports what it uses.
 */
export const LIBRARY_OPTIONS: Provider[] = [
  { provide: STORAGE_OPTIONS, inject: [SyncConfig], useFactory: storageOptionsFrom },
  {
    provide: AUTH_OPTIONS,
    inject: [SyncConfig],
    useFactory: (config: SyncConfig) =>
      checkAuthOptions({
        allowSignup: config.allowSignup,
        baseUrl: config.baseUrl,
        email: { provider: config.emailProvider, smtpUrl: config.smtpUrl, from: config.emailFrom },
        codeLogin: config.codeLogin,
      }),
  },
  { provide: RATE_LIMITS, inject: [SyncConfig], useFactory: (config: SyncConfig) => config.rateLimits },
  { provide: INFLIGHT_BODY_BYTES, inject: [SyncConfig], useFactory: (config: SyncConfig) => config.maxInflightBodyBytes },
];

export const LIBRARY_OPTION_TOKENS = [STORAGE_OPTIONS, AUTH_OPTIONS, RATE_LIMITS, INFLIGHT_BODY_BYTES];
