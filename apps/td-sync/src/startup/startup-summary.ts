import { describeDatabase, type StorageGauges } from '@td-sync/storage';
import { resolve } from 'node:path';
import { SyncConfig } from '../config/sync-config';

/** SYNC_BASE_URL's default: right only for a server on port 8080 of the machine the browser runs on. */
export const DEFAULT_BASE_URL = 'http://localhost:8080';
const DEFAULT_BASE_PORT = 8080;

/**
 * What an operator needs to see once, at start, to know how this server is
 * set up: the fields of the one info line main.ts logs when it listens.
 * `storage` is what the backend reports of itself (with SQLite, the project
 * database budget it derived from the descriptor limit); `maxConnections`
 * the connection cap the HTTP server runs with.
 * Nothing secret: the SMTP and database URLs are reduced to host, port (and
 * database), never their credentials.
 */
export function startupSummary(
  config: SyncConfig,
  version: string,
  listeningOn: string,
  storage: StorageGauges = {},
  maxConnections?: number,
): Record<string, unknown> {
  return {
    version,
    listen: listeningOn,
    base_url: config.baseUrl,
    storage: storageOf(config, storage),
    email: { provider: config.emailProvider, ...(config.emailProvider === 'smtp' ? { smtp_server: smtpServerOf(config.smtpUrl), from: config.emailFrom } : {}) },
    signup: config.allowSignup,
    code_login: config.codeLogin,
    rate_limits_per_minute: {
      auth: config.rateLimits.auth,
      auth_poll: config.rateLimits.authPoll,
      push: config.rateLimits.push,
      pull: config.rateLimits.pull,
      other: config.rateLimits.other,
    },
    trusted_proxies: config.trustedProxies,
    // README, Limits and hardening; the connection cap as derived from the descriptor limit unless set.
    limits: {
      max_connections: maxConnections,
      max_inflight_body_bytes: config.maxInflightBodyBytes,
      keep_alive_timeout_ms: config.keepAliveTimeoutMs,
      headers_timeout_ms: config.headersTimeoutMs,
      request_timeout_ms: config.requestTimeoutMs,
    },
    shutdown_timeout_ms: config.shutdownTimeoutMs,
    log_level: config.logLevel,
  };
}

/**
 * A warning when SYNC_BASE_URL is still its default but the server listens
 * on another port: every login link and verification address would then
 * point at a port nothing answers on (a changed SYNC_LISTEN_ADDR alone is
 * easy to forget).
 */
export function baseUrlWarning(config: SyncConfig, listeningPort: number): string | undefined {
  if (config.baseUrl !== DEFAULT_BASE_URL || listeningPort === DEFAULT_BASE_PORT) return undefined;
  return (
    `SYNC_BASE_URL is still the default ${DEFAULT_BASE_URL}, but the server listens on port ${listeningPort}: ` +
    'login links and the verification address will point to the wrong place; set SYNC_BASE_URL to the URL users reach this server at'
  );
}

function storageOf(config: SyncConfig, storage: StorageGauges): Record<string, unknown> {
  if (config.databaseUrl) return { backend: 'postgresql', database: describeDatabase(config.databaseUrl), pool_size: config.databasePoolSize };
  return {
    backend: 'sqlite',
    // Absolute, since relative paths depend on the directory the server was started in.
    server_db: resolve(config.serverDbPath),
    project_data_dir: resolve(config.projectDataDir),
    max_open_projects: config.maxOpenProjects,
    // What is open at most in fact: fewer than SYNC_MAX_OPEN_PROJECTS when the descriptor limit is low.
    project_databases_open_at_most: storage.projectDatabaseCapacity,
    descriptor_limit: storage.descriptorLimit,
  };
}

/** `host:port` of an SMTP URL, without the user and password it may carry. */
function smtpServerOf(smtpUrl: string | undefined): string | undefined {
  if (!smtpUrl) return undefined;
  try {
    const url = new URL(smtpUrl);
    return url.port ? `${url.hostname}:${url.port}` : url.hostname;
  } catch {
    return undefined;
  }
}
