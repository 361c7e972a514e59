/**
 * The backup drill's server: deploy/entrypoint.sh with the real Litestream
 * 0.3.13 (from @flydotio/litestream) replicating to a file replica, running the
 * built server on a free loopback port. Plus the few API calls the drill makes
 * (device login, project creation, push, pull), written against PROTOCOL.md.
 */
import { fetchAsTd } from '@td-sync/testing';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cleanEnv, ENTRYPOINT, GroupProcess, litestreamBinary, pathWith, REPO_ROOT, waitFor } from './deploy-support';

export const SERVER_MAIN = join(REPO_ROOT, 'dist/apps/td-sync/src/main.js');

/** Builds dist/ when it is missing or older than the sources (what `npm start` does); never deletes it. */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/ensure-build.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing after the build`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface DrillPaths {
  /** Holds the `litestream` link put first on PATH and the rendered configs. */
  runDir: string;
  backupDir: string;
}

export class DrillServer {
  readonly process: GroupProcess;
  readonly url: string;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    paths: DrillPaths,
    syncInterval: string,
  ) {
    const binDir = join(paths.runDir, 'bin');
    if (!existsSync(join(binDir, 'litestream'))) {
      mkdirSync(binDir, { recursive: true });
      symlinkSync(litestreamBinary(), join(binDir, 'litestream'));
    }
    this.url = `http://127.0.0.1:${port}`;
    this.process = new GroupProcess('sh', [ENTRYPOINT], {
      env: cleanEnv({
        PATH: pathWith(binDir),
        SYNC_LISTEN_ADDR: `127.0.0.1:${port}`,
        SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
        SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
        SYNC_LOG_LEVEL: 'info',
        SYNC_SHUTDOWN_TIMEOUT: '10s',
        // login() completes with the typed code alone.
        SYNC_CODE_LOGIN: 'direct',
        // The drill pushes far faster than any client; it is not testing limits.
        SYNC_RATE_LIMIT_AUTH: '0',
        SYNC_RATE_LIMIT_AUTH_POLL: '0',
        SYNC_RATE_LIMIT_PUSH: '0',
        SYNC_RATE_LIMIT_PULL: '0',
        SYNC_RATE_LIMIT_OTHER: '0',
        LITESTREAM_CONFIG: join(paths.runDir, `litestream-${port}.yml`),
        LITESTREAM_BACKUP_DIR: paths.backupDir,
        LITESTREAM_SYNC_INTERVAL: syncInterval,
        TD_PROJECT_SCAN_INTERVAL: '1',
      }),
    });
  }

  /** Starts the entrypoint on `dataDir` and waits until /healthz answers 200. */
  static async start(dataDir: string, paths: DrillPaths, syncInterval: string): Promise<DrillServer> {
    const server = new DrillServer(dataDir, await freePort(), paths, syncInterval);
    await waitFor(
      `${server.url}/healthz`,
      async () => {
        if (!server.process.running) throw new Error(`the server exited (${server.process.exitCode ?? server.process.signal}):\n${server.process.output}`);
        try {
          return (await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200;
        } catch {
          return false;
        }
      },
      60_000,
      () => server.process.output,
    );
    return server;
  }

  /** Waits until Litestream has written the first snapshot of `dbPath` to the replica. */
  async replicating(dbPath: string): Promise<void> {
    await waitFor(`a Litestream snapshot of ${dbPath}`, () => this.process.output.includes(`msg="snapshot written" db=${dbPath} `), 30_000, () => this.process.output);
  }

  async request<T>(method: string, path: string, options: { apiKey?: string; json?: unknown; form?: Record<string, string> } = {}): Promise<{ status: number; body: T; text: string }> {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetchAsTd(`${this.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // an HTML page
    }
    return { status: response.status, body: parsed as T, text };
  }

  /** Device login with a typed code (PROTOCOL.md): start, the verify form, poll. */
  async login(email: string): Promise<string> {
    const start = await this.request<{ device_code: string; user_code: string }>('POST', '/v1/auth/login/start', { json: { email } });
    if (start.status !== 200) throw new Error(`login start answered ${start.status}: ${start.text}`);
    const verify = await this.request<string>('POST', '/auth/verify', { form: { user_code: start.body.user_code } });
    if (verify.status !== 200) throw new Error(`verify answered ${verify.status}: ${verify.text}`);
    const poll = await this.request<{ status: string; api_key: string }>('POST', '/v1/auth/login/poll', { json: { device_code: start.body.device_code } });
    if (poll.status !== 200 || poll.body.status !== 'complete') throw new Error(`login poll answered ${poll.status}: ${poll.text}`);
    return poll.body.api_key;
  }

  async createProject(apiKey: string, name: string): Promise<string> {
    const created = await this.request<{ id: string }>('POST', '/v1/projects', { apiKey, json: { name, description: 'backup drill' } });
    if (created.status !== 201) throw new Error(`creating a project answered ${created.status}: ${created.text}`);
    return created.body.id;
  }

  /** Every event of the project, by pulling until has_more is false. */
  async pullAll(apiKey: string, projectId: string): Promise<PulledEvent[]> {
    const events: PulledEvent[] = [];
    let after = 0;
    for (;;) {
      const page = await this.request<{ events: PulledEvent[]; last_server_seq: number; has_more: boolean }>(
        'GET',
        `/v1/projects/${projectId}/sync/pull?after_server_seq=${after}&limit=10000`,
        { apiKey },
      );
      // The server's last lines say why (a 500 is logged with its request id and cause).
      if (page.status !== 200) throw new Error(`pull answered ${page.status}: ${page.text}\nthe server's last lines:\n${this.process.output.split('\n').slice(-40).join('\n')}`);
      events.push(...page.body.events);
      if (!page.body.has_more) return events;
      after = page.body.last_server_seq;
    }
  }

  projectDb(projectId: string): string {
    return join(this.dataDir, 'projects', projectId, 'events.db');
  }
}

export interface PushedEvent {
  client_action_id: number;
  action_type: 'create';
  entity_type: 'issues';
  entity_id: string;
  payload: { id: string; title: string; n: number };
  client_timestamp: string;
}

export interface PulledEvent extends Omit<PushedEvent, 'payload'> {
  server_seq: number;
  device_id: string;
  session_id: string;
  payload: unknown;
}

/** An event the server acknowledged, and when the acknowledgement arrived. */
export interface Acked {
  key: string;
  serverSeq: number;
  payload: unknown;
  ackedAt: number;
}

/**
 * A client pushing batches to one project, one request at a time, until told
 * to stop or until the server goes away. Records every acknowledged event.
 */
export class Pusher {
  readonly acked: Acked[] = [];
  private nextActionId = 1;
  private stopped = false;
  private failure: Error | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly server: DrillServer,
    private readonly apiKey: string,
    readonly projectId: string,
    readonly deviceId: string,
    private readonly batchSize = 25,
  ) {
    this.done = this.loop().catch((error: Error) => {
      this.failure = error;
    });
  }

  /** Stops after the request in flight; resolves when the loop has ended, rejects if a push was refused. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    if (this.failure) throw this.failure;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const events: PushedEvent[] = [];
      for (let i = 0; i < this.batchSize; i++) {
        const n = this.nextActionId++;
        events.push({
          client_action_id: n,
          action_type: 'create',
          entity_type: 'issues',
          entity_id: `td-${this.deviceId}-${n}`,
          payload: { id: `td-${this.deviceId}-${n}`, title: `issue ${n} from ${this.deviceId}`, n },
          client_timestamp: new Date().toISOString(),
        });
      }
      let response: Awaited<ReturnType<DrillServer['request']>>;
      try {
        response = await this.server.request('POST', `/v1/projects/${this.projectId}/sync/push`, {
          apiKey: this.apiKey,
          json: { device_id: this.deviceId, session_id: 'drill', events },
        });
      } catch {
        return; // the server was killed mid-request: nothing of this batch was acknowledged
      }
      const ackedAt = Date.now();
      // 503: the server is shutting down (Fastify answers requests on kept-alive connections so).
      if (response.status === 503) return;
      if (response.status !== 200) throw new Error(`push answered ${response.status}: ${response.text}`);
      const body = response.body as { acks: Array<{ client_action_id: number; server_seq: number }> };
      for (const ack of body.acks) {
        const event = events.find((e) => e.client_action_id === ack.client_action_id)!;
        this.acked.push({ key: `${this.deviceId}/${ack.client_action_id}`, serverSeq: ack.server_seq, payload: event.payload, ackedAt });
      }
    }
  }
}
