import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresClusterAdmin } from '@td-sync/storage';
import { Client } from 'pg';

/** How to reach this worker's cluster as its superuser. */
export interface PostgresCluster {
  port: number;
  user: string;
  password: string;
  /** The process that owns the cluster (embedded-postgres-process.mjs). */
  pid: number;
}

/** A database of its own for one spec (or one server of a spec). */
export interface TestDatabase {
  name: string;
  /** postgres://… as SYNC_DATABASE_URL takes it. */
  url: string;
  /** Drops the database, closing whatever connections are still open to it. Idempotent. */
  drop(): Promise<void>;
}

/** Where the worker's cluster is described, keyed by the worker's pid: the spec files a worker runs one after another find it there. */
const clusterFile = () => join(tmpdir(), `td-sync-test-pg-${process.pid}.json`);

let starting: Promise<PostgresCluster> | undefined;

/**
 * This jest worker's embedded PostgreSQL, started on first use and shared by
 * every spec file the worker runs (a start costs a few seconds, a database
 * a few tens of milliseconds). It belongs to a child process that stops it
 * and removes its files when the worker exits.
 */
export function postgresCluster(): Promise<PostgresCluster> {
  starting ??= runningCluster() ?? startCluster();
  return starting;
}

/** A fresh, empty database on this worker's cluster. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const cluster = await postgresCluster();
  const name = `td_sync_${randomBytes(6).toString('hex')}`;
  await adminOf(cluster).createDatabase(name);
  let dropping: Promise<void> | undefined;
  return {
    name,
    url: `postgres://${cluster.user}:${cluster.password}@127.0.0.1:${cluster.port}/${name}`,
    drop() {
      dropping ??= adminOf(cluster).dropDatabase(name);
      return dropping;
    },
  };
}

/** A spec file's own database and a client connected to it (see connectedTestDatabase). */
export interface ConnectedTestDatabase {
  readonly database: TestDatabase;
  readonly client: Client;
}

/**
 * A fresh database and a pg Client connected to it, for the tests of the
 * describe block it is called in: made before all of them, closed and
 * dropped after all. Read its fields inside tests and hooks, not when the
 * block is declared.
 */
export function connectedTestDatabase(): ConnectedTestDatabase {
  const held: { database?: TestDatabase; client?: Client } = {};
  beforeAll(async () => {
    held.database = await createTestDatabase();
    held.client = new Client({ connectionString: held.database.url });
    await held.client.connect();
  });
  afterAll(async () => {
    await held.client?.end();
    await held.database?.drop();
  });
  return held as ConnectedTestDatabase;
}

/** How many sessions of database `name` of this worker's cluster wait for a lock now (see PostgresClusterAdmin). */
export async function sessionsWaitingForLock(name: string): Promise<number> {
  return adminOf(await postgresCluster()).sessionsWaitingForLock(name);
}

/** Takes database `name` of this worker's cluster out of service, as an outage does (see PostgresClusterAdmin). */
export async function refuseConnections(name: string): Promise<void> {
  await adminOf(await postgresCluster()).refuseConnections(name);
}

/** Lets database `name` take connections again (after refuseConnections). */
export async function allowConnections(name: string): Promise<void> {
  await adminOf(await postgresCluster()).allowConnections(name);
}

function adminOf(cluster: PostgresCluster): PostgresClusterAdmin {
  return new PostgresClusterAdmin({ host: '127.0.0.1', port: cluster.port, user: cluster.user, password: cluster.password });
}

function runningCluster(): Promise<PostgresCluster> | undefined {
  try {
    const cluster = JSON.parse(readFileSync(clusterFile(), 'utf8')) as PostgresCluster;
    process.kill(cluster.pid, 0);
    return Promise.resolve(cluster);
  } catch {
    return undefined;
  }
}

function startCluster(): Promise<PostgresCluster> {
  return new Promise((resolve, reject) => {
    // stdin stays open for the worker's lifetime: its end is the owner's cue to clean up.
    const owner = spawn(process.execPath, [join(__dirname, 'embedded-postgres-process.mjs'), clusterFile()], { stdio: ['pipe', 'pipe', 'ignore'] });
    let line = '';
    const onData = (chunk: Buffer) => {
      line += chunk.toString('utf8');
      const end = line.indexOf('\n');
      if (end < 0) return;
      detach();
      const answer = JSON.parse(line.slice(0, end)) as PostgresCluster | { error: string };
      if ('error' in answer) reject(new Error(`embedded PostgreSQL did not start: ${answer.error}`));
      else resolve(answer);
    };
    const onExit = (code: number | null) => {
      detach();
      reject(new Error(`embedded PostgreSQL's process exited (${code}) before the cluster answered`));
    };
    const detach = () => {
      owner.stdout.off('data', onData);
      owner.off('exit', onExit);
      owner.stdout.destroy();
      // Neither the process nor its stdin may keep the worker alive.
      owner.unref();
      (owner.stdin as unknown as { unref(): void }).unref();
    };
    owner.stdout.on('data', onData);
    owner.on('exit', onExit);
    owner.on('error', reject);
  });
}
