import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigValidationError } from './config-validation-error';
import { SYNC_SETTINGS, SyncConfig } from './sync-config';

describe('SyncConfig', () => {
  it('has the documented defaults', () => {
    const config = SyncConfig.fromEnv({});
    expect(config).toMatchObject({
      listen: { host: undefined, port: 8080 },
      serverDbPath: './data/server.db',
      projectDataDir: './data/projects',
      shutdownTimeoutMs: 30_000,
      allowSignup: true,
      baseUrl: 'http://localhost:8080',
      logFormat: 'json',
      logLevel: 'info',
      maxOpenProjects: 64,
      emailProvider: 'log',
      codeLogin: 'confirm',
      rateLimits: { auth: 10, authPoll: 300, push: 60, pull: 120, other: 300 },
      trustedProxies: [],
    });
  });

  it.each([
    [':8080', { host: undefined, port: 8080 }],
    ['127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
  ])('reads SYNC_LISTEN_ADDR %s', (value, listen) => {
    expect(SyncConfig.fromEnv({ SYNC_LISTEN_ADDR: value }).listen).toEqual(listen);
  });

  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['0', 0],
  ])('reads SYNC_SHUTDOWN_TIMEOUT %s', (value, ms) => {
    expect(SyncConfig.fromEnv({ SYNC_SHUTDOWN_TIMEOUT: value }).shutdownTimeoutMs).toBe(ms);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['FALSE', false],
    ['true', true],
    ['1', true],
  ])('reads SYNC_ALLOW_SIGNUP %s', (value, allowed) => {
    expect(SyncConfig.fromEnv({ SYNC_ALLOW_SIGNUP: value }).allowSignup).toBe(allowed);
  });

  it('strips a trailing slash from SYNC_BASE_URL', () => {
    expect(SyncConfig.fromEnv({ SYNC_BASE_URL: 'https://sync.example.com/' }).baseUrl).toBe('https://sync.example.com');
  });

  it.each([
    ['confirm', 'confirm'],
    ['direct', 'direct'],
    ['off', 'off'],
    ['Direct', 'direct'],
  ])('reads SYNC_CODE_LOGIN %s', (value, mode) => {
    expect(SyncConfig.fromEnv({ SYNC_CODE_LOGIN: value }).codeLogin).toBe(mode);
  });

  it('reads rate limits, where 0 turns a tier off', () => {
    expect(SyncConfig.fromEnv({ SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_PULL: '5000' }).rateLimits).toMatchObject({ push: 0, pull: 5000 });
  });

  it('reads trusted proxies as a list of addresses and CIDRs', () => {
    expect(SyncConfig.fromEnv({ SYNC_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,::1/128' }).trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1', '::1/128']);
  });

  it.each([
    ['SYNC_LISTEN_ADDR', '8080'],
    ['SYNC_LISTEN_ADDR', 'localhost:99999'],
    ['SYNC_SHUTDOWN_TIMEOUT', '30'],
    ['SYNC_SHUTDOWN_TIMEOUT', 'soon'],
    ['SYNC_ALLOW_SIGNUP', 'maybe'],
    ['SYNC_BASE_URL', 'ftp://example.com'],
    ['SYNC_BASE_URL', 'not a url'],
    ['SYNC_LOG_FORMAT', 'xml'],
    ['SYNC_LOG_LEVEL', 'verbose'],
    ['SYNC_MAX_OPEN_PROJECTS', '0'],
    ['SYNC_MAX_OPEN_PROJECTS', '-3'],
    ['SYNC_MAX_OPEN_PROJECTS', 'many'],
    ['SYNC_EMAIL_PROVIDER', 'sendgrid'],
    ['SYNC_RATE_LIMIT_AUTH', '-1'],
    ['SYNC_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['SYNC_TRUSTED_PROXIES', 'proxy.local'],
    ['SYNC_EMAIL_FROM', 'nobody'],
    ['SYNC_CODE_LOGIN', 'on'],
    ['SYNC_CODE_LOGIN', 'email'],
    ['SYNC_DATABASE_URL', 'mysql://db/td'],
    ['SYNC_DATABASE_URL', 'postgres://'],
    ['SYNC_DATABASE_URL', 'db.example.com:5432'],
    ['SYNC_DATABASE_URL', 'postgres://db:port/td'],
    ['SYNC_DATABASE_URL', 'postgres://db/td?sslmode=sometimes'],
    ['SYNC_DATABASE_POOL_SIZE', '0'],
    ['SYNC_DATABASE_POOL_SIZE', 'lots'],
    ['SYNC_DATABASE_CONNECT_TIMEOUT', 'forever'],
  ])('refuses %s=%s with a message naming the variable, the value and what it accepts', (name, value) => {
    let error: unknown;
    try {
      SyncConfig.fromEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).toContain(JSON.stringify(value));
    expect(message).toMatch(/expected .+/);
    expect(message).not.toContain('\n');
  });

  it('uses SQLite unless SYNC_DATABASE_URL is set; then PostgreSQL with a pool of 10 and a minute to connect', () => {
    expect(SyncConfig.fromEnv({})).toMatchObject({ databaseUrl: undefined, databasePoolSize: 10, databaseConnectTimeoutMs: 60_000 });
    expect(SyncConfig.fromEnv({ SYNC_DATABASE_URL: '  ' }).databaseUrl).toBeUndefined();
    expect(SyncConfig.fromEnv({ SYNC_DATABASE_URL: 'postgres://td:pw@db:5432/td_sync', SYNC_DATABASE_POOL_SIZE: '25', SYNC_DATABASE_CONNECT_TIMEOUT: '5s' })).toMatchObject({
      databaseUrl: 'postgres://td:pw@db:5432/td_sync',
      databasePoolSize: 25,
      databaseConnectTimeoutMs: 5000,
    });
  });

  it.each([
    'postgresql://td@db.example.com/td_sync?sslmode=verify-full',
    'postgres://td:p%40ss@10.0.0.5:6432/td_sync?sslmode=require&application_name=x',
    'postgres://td:pw@[::1]:5432/td_sync?sslmode=disable',
    'postgres:///td_sync?host=/var/run/postgresql',
  ])('accepts SYNC_DATABASE_URL %s as it is', (url) => {
    expect(SyncConfig.fromEnv({ SYNC_DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('never repeats the password of a refused SYNC_DATABASE_URL', () => {
    const refusal = () => SyncConfig.fromEnv({ SYNC_DATABASE_URL: 'postgres://td:hunter@2@db/td_sync?sslmode=bogus' });
    expect(refusal).toThrow(ConfigValidationError);
    expect(refusal).toThrow('invalid SYNC_DATABASE_URL="postgres://td:***@db/td_sync?sslmode=bogus": expected a postgres:// or postgresql:// URL');
    expect(refusal).not.toThrow(/hunter/);
  });

  it('requires an SMTP URL when the provider is smtp', () => {
    expect(() => SyncConfig.fromEnv({ SYNC_EMAIL_PROVIDER: 'smtp' })).toThrow(/SYNC_SMTP_URL/);
    expect(() => SyncConfig.fromEnv({ SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: 'http://mail' })).toThrow(/SYNC_SMTP_URL/);
    const config = SyncConfig.fromEnv({ SYNC_EMAIL_PROVIDER: 'smtp', SYNC_SMTP_URL: 'smtp://u:p@mail:587', SYNC_EMAIL_FROM: 'td <td@example.com>' });
    expect(config).toMatchObject({ emailProvider: 'smtp', smtpUrl: 'smtp://u:p@mail:587', emailFrom: 'td <td@example.com>' });
  });

  describe('limits and timeouts (README, Limits and hardening)', () => {
    it('defaults to a 64 MiB body budget, a connection cap derived at start, and timeouts of seconds', () => {
      expect(SyncConfig.fromEnv({})).toMatchObject({
        maxInflightBodyBytes: 64 * 1024 * 1024,
        maxConnections: undefined,
        keepAliveTimeoutMs: 5000,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 60_000,
      });
    });

    it('reads sizes with units, a cap, and durations', () => {
      const config = SyncConfig.fromEnv({
        SYNC_MAX_INFLIGHT_BODY_BYTES: '48MiB',
        SYNC_MAX_CONNECTIONS: '500',
        SYNC_KEEP_ALIVE_TIMEOUT: '65s',
        SYNC_HEADERS_TIMEOUT: '5s',
        SYNC_REQUEST_TIMEOUT: '2m',
      });
      expect(config).toMatchObject({ maxInflightBodyBytes: 48 * 1024 * 1024, maxConnections: 500, keepAliveTimeoutMs: 65_000, headersTimeoutMs: 5000, requestTimeoutMs: 120_000 });
      expect(SyncConfig.fromEnv({ SYNC_MAX_CONNECTIONS: 'AUTO' }).maxConnections).toBeUndefined();
    });

    it.each([
      ['SYNC_MAX_INFLIGHT_BODY_BYTES', '1MiB', /at least 10MiB/],
      ['SYNC_MAX_INFLIGHT_BODY_BYTES', 'lots', /at least 10MiB/],
      ['SYNC_MAX_CONNECTIONS', '0', /auto or a positive integer/],
      ['SYNC_KEEP_ALIVE_TIMEOUT', '500ms', /at least 1s/],
      ['SYNC_REQUEST_TIMEOUT', '0', /at least 1s/],
      ['SYNC_HEADERS_TIMEOUT', '2m', /at most SYNC_REQUEST_TIMEOUT \(60s\)/],
    ])('refuses %s=%s', (name, value, accepts) => {
      expect(() => SyncConfig.fromEnv({ [name]: value })).toThrow(accepts);
    });
  });

  it('carries the log format asked for on a validation error, so main can write it in that format', () => {
    const caught = (env: Record<string, string>) => {
      try {
        SyncConfig.fromEnv(env);
      } catch (error) {
        return error as ConfigValidationError;
      }
      throw new Error('no error');
    };
    expect(caught({ SYNC_LOG_LEVEL: 'chatty' }).logFormat).toBe('json');
    expect(caught({ SYNC_LOG_LEVEL: 'chatty', SYNC_LOG_FORMAT: 'TEXT' }).logFormat).toBe('text');
    expect(caught({ SYNC_LOG_FORMAT: 'xml' }).logFormat).toBe('json');
  });

  describe('unknown SYNC_* variables', () => {
    it('lists those set that are no setting, sorted, and ignores them otherwise', () => {
      const config = SyncConfig.fromEnv({ SYNC_LOG_LEVEL: 'warn', SYNC_ZONE: 'a', SYNC_DATA_DIR: '/srv', PATH: '/bin', SYNC_: '' });
      expect(config.unknownSettings).toEqual(['SYNC_', 'SYNC_DATA_DIR', 'SYNC_ZONE']);
      expect(config.logLevel).toBe('warn');
      expect(config.projectDataDir).toBe('./data/projects');
      expect(SyncConfig.fromEnv({ SYNC_LISTEN_ADDR: ':9090' }).unknownSettings).toEqual([]);
    });

    it("knows exactly the settings the README's Configuration table documents", () => {
      const readme = readFileSync(resolve(__dirname, '../../../../README.md'), 'utf8');
      const documented = [...readme.matchAll(/^\| `(SYNC_[A-Z_]+)` \|/gm)].map((match) => match[1]);
      expect([...new Set(documented)].sort()).toEqual([...SYNC_SETTINGS].sort());
    });

    it('reads every setting it knows: each one, set to a value no setting accepts, is what it refuses', () => {
      // Paths and the sender address take any text, and SYNC_SMTP_URL is read with its provider: set apart.
      const anyText = new Set(['SYNC_SERVER_DB_PATH', 'SYNC_PROJECT_DATA_DIR', 'SYNC_EMAIL_FROM']);
      for (const name of SYNC_SETTINGS) {
        if (anyText.has(name)) continue;
        let refused: unknown;
        try {
          SyncConfig.fromEnv({ [name]: 'not-a-valid-value://' });
        } catch (error) {
          refused = error;
        }
        expect(refused).toBeInstanceOf(ConfigValidationError);
        expect((refused as Error).message).toContain(name);
      }
    });
  });
});
