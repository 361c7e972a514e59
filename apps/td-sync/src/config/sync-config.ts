import { BODY_LIMIT_BYTES, type RateLimits } from '@td-sync/http';
import { isIP } from 'node:net';
import { parseByteSize } from './byte-size';
import { ConfigValidationError } from './config-validation-error';
import { parseDurationMs } from './duration';
import { ListenAddress, parseListenAddress } from './listen-address';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type EmailProvider = 'log' | 'smtp';
/** What a code typed on /auth/verify does: see the README's "Typed-code logins" section. */
export type CodeLoginMode = 'confirm' | 'direct' | 'off';

export type Env = Record<string, string | undefined>;

/**
 * Every setting td-sync reads (the README's Configuration table lists the
 * same). A `SYNC_*` variable outside it is a misspelling or another server's
 * setting, which would otherwise go unnoticed while its default applies: see
 * SyncConfig.unknownSettings. Reading a name not listed here is a bug, and
 * fails at start.
 */
export const SYNC_SETTINGS: ReadonlySet<string> = new Set([
  'SYNC_LISTEN_ADDR',
  'SYNC_SERVER_DB_PATH',
  'SYNC_PROJECT_DATA_DIR',
  'SYNC_SHUTDOWN_TIMEOUT',
  'SYNC_ALLOW_SIGNUP',
  'SYNC_BASE_URL',
  'SYNC_LOG_FORMAT',
  'SYNC_LOG_LEVEL',
  'SYNC_MAX_OPEN_PROJECTS',
  'SYNC_EMAIL_PROVIDER',
  'SYNC_SMTP_URL',
  'SYNC_EMAIL_FROM',
  'SYNC_CODE_LOGIN',
  'SYNC_RATE_LIMIT_AUTH',
  'SYNC_RATE_LIMIT_AUTH_POLL',
  'SYNC_RATE_LIMIT_PUSH',
  'SYNC_RATE_LIMIT_PULL',
  'SYNC_RATE_LIMIT_OTHER',
  'SYNC_TRUSTED_PROXIES',
  'SYNC_MAX_INFLIGHT_BODY_BYTES',
  'SYNC_MAX_CONNECTIONS',
  'SYNC_KEEP_ALIVE_TIMEOUT',
  'SYNC_HEADERS_TIMEOUT',
  'SYNC_REQUEST_TIMEOUT',
  'SYNC_DATABASE_URL',
  'SYNC_DATABASE_POOL_SIZE',
  'SYNC_DATABASE_CONNECT_TIMEOUT',
]);

/**
 * Every setting of the server, parsed and validated once at start from the
 * `SYNC_*` environment variables. This class (through SyncConfigModule) is the
 * only reader of the environment; everything else injects it.
 */
export class SyncConfig {
  readonly listen: ListenAddress;
  readonly serverDbPath: string;
  readonly projectDataDir: string;
  readonly shutdownTimeoutMs: number;
  readonly allowSignup: boolean;
  readonly baseUrl: string;
  readonly logFormat: LogFormat;
  readonly logLevel: LogLevel;
  readonly maxOpenProjects: number;
  readonly emailProvider: EmailProvider;
  readonly smtpUrl: string | undefined;
  readonly emailFrom: string;
  readonly codeLogin: CodeLoginMode;
  readonly rateLimits: RateLimits;
  readonly trustedProxies: string[];
  /** PostgreSQL instead of SQLite for everything when set (postgres:// or postgresql://). */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /** How long a start keeps retrying a database that does not answer before giving up. */
  readonly databaseConnectTimeoutMs: number;
  /** Connection limits and timeouts: see the README's "Limits and hardening". */
  readonly maxInflightBodyBytes: number;
  /** Undefined: derived from the process's descriptor limit at start (see connectionLimitFor). */
  readonly maxConnections: number | undefined;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** The `SYNC_*` variables set that are no setting of td-sync's (SYNC_SETTINGS), sorted: start-up warns about each. */
  readonly unknownSettings: readonly string[];

  private constructor(env: Env) {
    const read = new EnvReader(env);
    this.listen = read.parse('SYNC_LISTEN_ADDR', ':8080', 'host:port such as :8080, 127.0.0.1:9090 or [::1]:9090', parseListenAddress);
    this.serverDbPath = read.nonEmpty('SYNC_SERVER_DB_PATH', './data/server.db');
    this.projectDataDir = read.nonEmpty('SYNC_PROJECT_DATA_DIR', './data/projects');
    this.shutdownTimeoutMs = read.parse('SYNC_SHUTDOWN_TIMEOUT', '30s', 'a duration such as 500ms, 30s or 2m', parseDurationMs);
    this.allowSignup = read.parse('SYNC_ALLOW_SIGNUP', 'true', 'true, false, 1 or 0', parseBoolean);
    this.baseUrl = read.parse('SYNC_BASE_URL', 'http://localhost:8080', 'an http:// or https:// URL', parseBaseUrl);
    this.logFormat = read.oneOf('SYNC_LOG_FORMAT', 'json', ['json', 'text'] as const);
    this.logLevel = read.oneOf('SYNC_LOG_LEVEL', 'info', ['debug', 'info', 'warn', 'error'] as const);
    this.maxOpenProjects = read.parse('SYNC_MAX_OPEN_PROJECTS', '64', 'a positive integer', (v) => parseInteger(v, 1));
    this.emailProvider = read.oneOf('SYNC_EMAIL_PROVIDER', 'log', ['log', 'smtp'] as const);
    this.smtpUrl = env.SYNC_SMTP_URL?.trim() || undefined; // checked just below
    if (this.emailProvider === 'smtp') {
      read.parse('SYNC_SMTP_URL', '', 'an smtp:// or smtps:// URL (required with SYNC_EMAIL_PROVIDER=smtp)', parseSmtpUrl);
    } else if (this.smtpUrl !== undefined) {
      read.parse('SYNC_SMTP_URL', '', 'an smtp:// or smtps:// URL', parseSmtpUrl);
    }
    this.emailFrom = read.parse('SYNC_EMAIL_FROM', 'td-sync <noreply@localhost>', 'an address such as td-sync <noreply@example.com>', parseFromAddress);
    this.codeLogin = read.oneOf('SYNC_CODE_LOGIN', 'confirm', ['confirm', 'direct', 'off'] as const);
    const limit = (name: string, fallback: number) =>
      read.parse(name, String(fallback), 'a non-negative integer (requests per minute; 0 turns the limit off)', (v) => parseInteger(v, 0));
    this.rateLimits = {
      auth: limit('SYNC_RATE_LIMIT_AUTH', 10),
      authPoll: limit('SYNC_RATE_LIMIT_AUTH_POLL', 300),
      push: limit('SYNC_RATE_LIMIT_PUSH', 60),
      pull: limit('SYNC_RATE_LIMIT_PULL', 120),
      other: limit('SYNC_RATE_LIMIT_OTHER', 300),
    };
    this.trustedProxies = read.parse('SYNC_TRUSTED_PROXIES', '', 'a comma-separated list of IP addresses or CIDRs such as 10.0.0.0/8', parseCidrList);
    this.databaseUrl = read.secretUrl('SYNC_DATABASE_URL', 'a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/td_sync', parseDatabaseUrl);
    this.databasePoolSize = read.parse('SYNC_DATABASE_POOL_SIZE', '10', 'a positive integer (connections to PostgreSQL per node)', (v) => parseInteger(v, 1));
    this.databaseConnectTimeoutMs = read.parse('SYNC_DATABASE_CONNECT_TIMEOUT', '60s', 'a duration such as 30s or 2m', parseDurationMs);
    this.maxInflightBodyBytes = read.parse('SYNC_MAX_INFLIGHT_BODY_BYTES', '64MiB', 'a size of at least 10MiB (one full body), such as 64MiB', (v) => {
      const bytes = parseByteSize(v);
      return bytes !== undefined && bytes >= BODY_LIMIT_BYTES ? bytes : undefined;
    });
    this.maxConnections = read.parse('SYNC_MAX_CONNECTIONS', 'auto', 'auto or a positive integer', (v) => (v.toLowerCase() === 'auto' ? null : parseInteger(v, 1))) ?? undefined;
    const seconds = (name: string, fallback: string) => read.parse(name, fallback, 'a duration of at least 1s, such as 5s or 1m', (v) => atLeast(parseDurationMs(v), 1000));
    this.keepAliveTimeoutMs = seconds('SYNC_KEEP_ALIVE_TIMEOUT', '5s');
    this.requestTimeoutMs = seconds('SYNC_REQUEST_TIMEOUT', '60s');
    this.headersTimeoutMs = read.parse('SYNC_HEADERS_TIMEOUT', '10s', `a duration of at least 1s and at most SYNC_REQUEST_TIMEOUT (${this.requestTimeoutMs / 1000}s)`, (v) => {
      const ms = atLeast(parseDurationMs(v), 1000);
      return ms !== undefined && ms <= this.requestTimeoutMs ? ms : undefined;
    });
    this.unknownSettings = Object.keys(env)
      .filter((name) => name.startsWith('SYNC_') && !SYNC_SETTINGS.has(name))
      .sort();
  }

  /**
   * The process's own settings, for what runs before or without Nest (the
   * wait for the database at start, the operator's commands). The one read of
   * process.env outside SyncConfigModule.
   */
  static fromProcessEnv(): SyncConfig {
    return SyncConfig.fromEnv(process.env);
  }

  /**
   * Throws ConfigValidationError naming the first variable that is wrong,
   * carrying the log format asked for, so that even this error is written in it.
   */
  static fromEnv(env: Env): SyncConfig {
    try {
      return new SyncConfig(env);
    } catch (error) {
      if (error instanceof ConfigValidationError) error.logFormat = env.SYNC_LOG_FORMAT?.trim().toLowerCase() === 'text' ? 'text' : 'json';
      throw error;
    }
  }
}

function atLeast(value: number | undefined, min: number): number | undefined {
  return value !== undefined && value >= min ? value : undefined;
}

class EnvReader {
  constructor(private readonly env: Env) {}

  parse<T>(name: string, fallback: string, accepts: string, parse: (value: string) => T | undefined): T {
    const raw = this.setting(name);
    const value = raw === undefined || raw.trim() === '' ? fallback : raw.trim();
    const parsed = parse(value);
    if (parsed === undefined) throw new ConfigValidationError(name, raw ?? '', accepts);
    return parsed;
  }

  /**
   * An optional URL that may carry a password: unset or blank is undefined,
   * and a refused value is echoed with its password masked, since the
   * message goes to the log.
   */
  secretUrl(name: string, accepts: string, parse: (value: string) => string | undefined): string | undefined {
    const raw = this.setting(name);
    if (raw === undefined || raw.trim() === '') return undefined;
    const parsed = parse(raw.trim());
    if (parsed === undefined) throw new ConfigValidationError(name, maskPassword(raw), accepts);
    return parsed;
  }

  /** The variable's value; a name missing from SYNC_SETTINGS is a bug, refused so that the list stays whole. */
  private setting(name: string): string | undefined {
    if (!SYNC_SETTINGS.has(name)) throw new Error(`${name} is read as a setting but missing from SYNC_SETTINGS`);
    return this.env[name];
  }

  nonEmpty(name: string, fallback: string): string {
    return this.parse(name, fallback, 'a path', (v) => v);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    return this.parse(name, fallback, `one of ${allowed.join(', ')}`, (v) => {
      const lower = v.toLowerCase();
      return (allowed as readonly string[]).includes(lower) ? (lower as T) : undefined;
    });
  }
}

function parseBoolean(value: string): boolean | undefined {
  switch (value.toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return undefined;
  }
}

function parseInteger(value: string, min: number): number | undefined {
  if (!/^\d{1,9}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min ? n : undefined;
}

function parseBaseUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    if (url.search || url.hash) return undefined;
    return url.toString().replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

function parseSmtpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname ? value : undefined;
  } catch {
    return undefined;
  }
}

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/**
 * A PostgreSQL connection URL as node-postgres reads it: postgres:// or
 * postgresql://, a host (or a `host` parameter naming a socket directory)
 * and, if any, an `sslmode` it knows. (The URL parser refuses a bad port.)
 */
function parseDatabaseUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return undefined;
  if (url.hostname === '' && !url.searchParams.get('host')) return undefined;
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) return undefined;
  return value;
}

/** The text with the password of a URL-like `scheme://user:password@host` replaced by `***`. */
function maskPassword(text: string): string {
  // Greedy up to the authority's last '@': a password may hold an unescaped one.
  return text.replace(/^([^:/?#]+:\/\/[^:@/?#]*:)[^/?#]*@/, '$1***@');
}

function parseFromAddress(value: string): string | undefined {
  const address = /<([^<>\s]+)>$/.exec(value)?.[1] ?? value;
  return /^[^@\s<>]+@[^@\s<>]+$/.test(address) ? value : undefined;
}

function parseCidrList(value: string): string[] | undefined {
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    const [ip, prefix, extra] = entry.split('/');
    const family = isIP(ip);
    if (family === 0 || extra !== undefined) return undefined;
    if (prefix !== undefined) {
      const max = family === 4 ? 32 : 128;
      if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return undefined;
    }
  }
  return entries;
}
