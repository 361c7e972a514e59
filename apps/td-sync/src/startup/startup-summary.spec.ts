import { resolve } from 'node:path';
import { SyncConfig } from '../config/sync-config';
import { baseUrlWarning, startupSummary } from './startup-summary';

describe('startupSummary', () => {
  it('reports every setting an operator checks at start, with absolute paths', () => {
    const config = SyncConfig.fromEnv({ SYNC_SERVER_DB_PATH: 'db/server.db', SYNC_RATE_LIMIT_PUSH: '0', SYNC_ALLOW_SIGNUP: 'false' });
    expect(startupSummary(config, '1.2.3', 'http://127.0.0.1:8080', { openProjectDatabases: 0, projectDatabaseCapacity: 53, descriptorLimit: 256 }, 64)).toEqual({
      version: '1.2.3',
      listen: 'http://127.0.0.1:8080',
      base_url: 'http://localhost:8080',
      storage: {
        backend: 'sqlite',
        server_db: resolve('db/server.db'),
        project_data_dir: resolve('data/projects'),
        max_open_projects: 64,
        project_databases_open_at_most: 53,
        descriptor_limit: 256,
      },
      email: { provider: 'log' },
      signup: false,
      code_login: 'confirm',
      rate_limits_per_minute: { auth: 10, auth_poll: 300, push: 0, pull: 120, other: 300 },
      trusted_proxies: [],
      limits: { max_connections: 64, max_inflight_body_bytes: 64 * 1024 * 1024, keep_alive_timeout_ms: 5000, headers_timeout_ms: 10_000, request_timeout_ms: 60_000 },
      shutdown_timeout_ms: 30_000,
      log_level: 'info',
    });
  });

  it('names a PostgreSQL database by host, port and name, never its password', () => {
    const config = SyncConfig.fromEnv({ SYNC_DATABASE_URL: 'postgres://td:hunter2@db.internal:6432/td_sync', SYNC_DATABASE_POOL_SIZE: '20' });
    const summary = startupSummary(config, '1.2.3', 'http://[::]:8080');
    expect(summary.storage).toEqual({ backend: 'postgresql', database: 'db.internal:6432/td_sync', pool_size: 20 });
    expect(JSON.stringify(summary)).not.toContain('hunter2');
  });

  it('names the SMTP relay without the credentials its URL carries', () => {
    const config = SyncConfig.fromEnv({ SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: 'smtps://mailer:s3cret%21@smtp.example.com:465', SYNC_EMAIL_FROM: 'td <td@example.com>' });
    const summary = startupSummary(config, '1.2.3', 'http://[::]:8080');
    expect(summary.email).toEqual({ provider: 'smtp', smtp_server: 'smtp.example.com:465', from: 'td <td@example.com>' });
    expect(JSON.stringify(summary)).not.toMatch(/s3cret|mailer/);
  });
});

describe('baseUrlWarning', () => {
  it('warns when SYNC_BASE_URL is the default and the server listens on another port', () => {
    expect(baseUrlWarning(SyncConfig.fromEnv({ SYNC_LISTEN_ADDR: ':9090' }), 9090)).toMatch(/^SYNC_BASE_URL is still the default http:\/\/localhost:8080, but the server listens on port 9090/);
  });

  it('stays quiet on port 8080, or once SYNC_BASE_URL is set', () => {
    expect(baseUrlWarning(SyncConfig.fromEnv({}), 8080)).toBeUndefined();
    expect(baseUrlWarning(SyncConfig.fromEnv({ SYNC_BASE_URL: 'https://sync.example.com' }), 9090)).toBeUndefined();
    expect(baseUrlWarning(SyncConfig.fromEnv({ SYNC_BASE_URL: 'http://localhost:9090' }), 9090)).toBeUndefined();
  });
});
