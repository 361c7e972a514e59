/**
 * Clients that push continuously to a server that may die under them, and the
 * ledger of everything they sent and every server_seq they were told, for the
 * crash specs. Bodies are written as text so that each payload's exact
 * spelling (key order, `1.0`, a 20-digit integer, escapes) can be checked on disk.
 */
import { integrityCheck, allDatabases, storedEvents } from './database-files';
import { http } from './http';
import { Random } from './random';

export interface SentEvent {
  /** `project|device|session|client_action_id` */
  key: string;
  projectId: string;
  deviceId: string;
  sessionId: string;
  clientActionId: number;
  entityId: string;
  /** The payload's JSON text as sent. */
  payload: string;
}

export interface PushingClient {
  name: string;
  apiKey: string;
  projectId: string;
  deviceId: string;
  sessionId: string;
  nextActionId: number;
  /**
   * Batches sent without a 200 in return: the connection broke (the server
   * died or closed it) or the server refused. Re-pushed after the restart.
   */
  unanswered: SentEvent[][];
}

/** How the last server process ended, which decides what unanswered batches may have left behind. */
export type Ending = 'killed' | 'terminated';

/** A 200; another answer (a refusal); or no answer at all (the connection broke). */
type PushOutcome = 'acked' | 'refused' | 'broken';

/** What a 200 to a push said about its batch. */
export interface PushAnswerCounts {
  acked: number;
  duplicates: number;
}

interface PushAnswerBody {
  acks?: Array<{ client_action_id: number; server_seq: number }>;
  rejected?: Array<{ client_action_id: number; reason: string; server_seq?: number }>;
}

export class PushLedger {
  readonly sent = new Map<string, SentEvent>();
  /** The server_seq each event was acknowledged with (as new or as a duplicate). */
  readonly seqOf = new Map<string, number>();
  /** Per project: which event each acknowledged server_seq belongs to. */
  private readonly keyAt = new Map<string, Map<number, string>>();
  /** Everything that contradicts the guarantees; the specs expect it to stay empty. */
  readonly problems: string[] = [];
  answeredPushes = 0;
  eventsVerified = 0;

  constructor(readonly rng: Random) {}

  problem(text: string): void {
    if (this.problems.length === 0) this.problems.push(`(random seed ${this.rng.seed})`);
    if (this.problems.length < 50) this.problems.push(text);
  }

  /** The next batch of a client: 1 to 30 events with payloads of varying size and awkward spelling. */
  nextBatch(client: PushingClient): SentEvent[] {
    const count = this.rng.int(1, 30);
    const batch: SentEvent[] = [];
    for (let i = 0; i < count; i++) {
      const id = client.nextActionId++;
      const entityId = `td-${client.name}-${id}`;
      const payload =
        `{"z":${id},"big":12345678901234567890,"f":1.0,"s":"caf\\u00e9 \\"${client.name}\\"",` +
        `"nested":{"b":[1,2,{}],"a":null},"pad":"${'x'.repeat(this.rng.int(0, 3000))}"}`;
      const event: SentEvent = {
        key: `${client.projectId}|${client.deviceId}|${client.sessionId}|${id}`,
        projectId: client.projectId,
        deviceId: client.deviceId,
        sessionId: client.sessionId,
        clientActionId: id,
        entityId,
        payload,
      };
      this.sent.set(event.key, event);
      batch.push(event);
    }
    return batch;
  }

  /**
   * Pushes a batch. A 200 records every event's server_seq; anything else
   * (a broken connection, a refusal) leaves the batch unanswered. A refusal
   * other than a broken connection must still carry the PROTOCOL.md error body.
   */
  async push(baseUrl: string, client: PushingClient, batch: SentEvent[]): Promise<PushOutcome> {
    const answer = await this.exchange(baseUrl, client, batch);
    return answer === 'broken' ? 'broken' : answer ? 'acked' : 'refused';
  }

  /** As push, and what a 200 said: how many events were new and how many duplicates; undefined without a 200. */
  async send(baseUrl: string, client: PushingClient, batch: SentEvent[]): Promise<PushAnswerCounts | undefined> {
    const answer = await this.exchange(baseUrl, client, batch);
    return answer === 'broken' ? undefined : answer;
  }

  private async exchange(baseUrl: string, client: PushingClient, batch: SentEvent[]): Promise<PushAnswerCounts | undefined | 'broken'> {
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${baseUrl}/v1/projects/${client.projectId}/sync/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
        body: pushBody(client, batch),
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      text = await response.text();
    } catch {
      return 'broken';
    }
    if (status !== 200) {
      checkErrorBody(this, status, text);
      return undefined;
    }
    this.answeredPushes++;
    const body = JSON.parse(text) as PushAnswerBody;
    const seqById = new Map<number, number>();
    for (const ack of body.acks ?? []) seqById.set(ack.client_action_id, ack.server_seq);
    let duplicates = 0;
    for (const rejected of body.rejected ?? []) {
      if (rejected.reason !== 'duplicate' || rejected.server_seq === undefined) this.problem(`unexpected rejection ${JSON.stringify(rejected)}`);
      else seqById.set(rejected.client_action_id, rejected.server_seq);
      duplicates++;
    }
    for (const event of batch) {
      const seq = seqById.get(event.clientActionId);
      if (seq === undefined) this.problem(`push answered 200 without a seq for ${event.key}`);
      else this.recordSeq(event, seq);
    }
    return { acked: body.acks?.length ?? 0, duplicates };
  }

  private recordSeq(event: SentEvent, seq: number): void {
    const earlier = this.seqOf.get(event.key);
    if (earlier !== undefined && earlier !== seq) this.problem(`${event.key} was acknowledged as ${earlier} and later as ${seq}`);
    this.seqOf.set(event.key, seq);
    let keys = this.keyAt.get(event.projectId);
    if (!keys) this.keyAt.set(event.projectId, (keys = new Map()));
    const holder = keys.get(seq);
    if (holder !== undefined && holder !== event.key) this.problem(`server_seq ${seq} of ${event.projectId} was given to ${holder} and to ${event.key}`);
    keys.set(seq, event.key);
  }

  /**
   * What a restarted server must show, read over HTTP and from the files:
   * every database passes integrity_check; per project, server_seq runs 1..n
   * without a gap, each (device, session, client_action_id) once, every row is
   * an event some client sent with its payload byte for byte, every
   * acknowledged seq holds its event; and an unanswered batch is there whole
   * or not at all (after SIGKILL), or not at all (after SIGTERM, which lets
   * in-flight pushes finish and answers them).
   */
  async verify(baseUrl: string, dataDir: string, readerKey: (projectId: string) => string, clients: PushingClient[], ending: Ending): Promise<void> {
    const projectIds = [...new Set(clients.map((c) => c.projectId))];
    const storedSeq = new Map<string, number>();
    for (const projectId of projectIds) {
      const pulled = await pullSeqs(baseUrl, readerKey(projectId), projectId);
      const stored = storedEvents(dataDir, projectId);
      const seen = new Set<string>();
      stored.forEach((row, index) => {
        if (row.server_seq !== index + 1) this.problem(`${projectId}: row ${index} has server_seq ${row.server_seq}`);
        const key = `${projectId}|${row.device_id}|${row.session_id}|${row.client_action_id}`;
        if (seen.has(key)) this.problem(`${key} is stored twice`);
        seen.add(key);
        storedSeq.set(key, row.server_seq);
        const sent = this.sent.get(key);
        if (!sent) this.problem(`${projectId} holds an event nobody sent: ${key}`);
        else if (row.payload !== sent.payload || row.entity_id !== sent.entityId) this.problem(`${key} is stored with another payload or entity_id`);
      });
      if (pulled.join() !== stored.map((r) => r.server_seq).join()) this.problem(`${projectId}: pull serves other seqs than the file holds`);
      for (const [seq, key] of this.keyAt.get(projectId) ?? []) {
        if (storedSeq.get(key) !== seq) this.problem(`acknowledged ${key} is not at server_seq ${seq} any more`);
      }
      this.eventsVerified += stored.length;
    }
    for (const path of allDatabases(dataDir)) {
      const result = integrityCheck(path);
      if (result !== 'ok') this.problem(`integrity_check of ${path}: ${result}`);
    }
    for (const client of clients) {
      for (const batch of client.unanswered) {
        const present = batch.filter((e) => storedSeq.has(e.key)).length;
        if (ending === 'terminated' && present > 0) this.problem(`${present} events of a push that SIGTERM cut off were applied without an answer`);
        if (ending === 'killed' && present !== 0 && present !== batch.length) this.problem(`a batch of ${batch.length} is stored in part (${present})`);
      }
    }
  }

  /**
   * Re-pushes every unanswered batch as it was sent, as td does after a
   * failure: what the dead server stored comes back as duplicates with its
   * seq, the rest is acknowledged now. Afterwards nothing is unanswered.
   */
  async repush(baseUrl: string, clients: PushingClient[]): Promise<void> {
    for (const client of clients) {
      for (const batch of client.unanswered.splice(0)) {
        let outcome = await this.push(baseUrl, client, batch);
        // The first request on a keep-alive connection that the server closed
        // (idle past SYNC_KEEP_ALIVE_TIMEOUT while this process read whole
        // databases synchronously in verify) breaks before any answer: td sends
        // a failed push again, and so does this, once.
        if (outcome === 'broken') outcome = await this.push(baseUrl, client, batch);
        if (outcome !== 'acked') this.problem(`re-pushing a batch of ${client.name} was not answered`);
      }
    }
  }

  /** After convergence: every event ever sent has exactly one seq, and the files hold exactly those. */
  checkConverged(dataDir: string, clients: PushingClient[]): void {
    let stored = 0;
    for (const projectId of new Set(clients.map((c) => c.projectId))) stored += storedEvents(dataDir, projectId).length;
    if (stored !== this.sent.size) this.problem(`${this.sent.size} events were sent, ${stored} are stored`);
    for (const key of this.sent.keys()) if (!this.seqOf.has(key)) this.problem(`${key} never got a server_seq`);
  }
}

/**
 * Clients pushing in parallel until each one's connection fails (the server
 * died or stopped listening). `pushesAnswered(n)` resolves once n pushes of
 * this load got a 200, or once every client has stopped.
 */
export class PushLoad {
  private answered = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  /** Clients with a push in flight right now. */
  inFlight = 0;
  readonly done: Promise<void>;

  constructor(baseUrl: string, clients: PushingClient[], ledger: PushLedger) {
    this.done = Promise.all(clients.map((client) => this.run(baseUrl, client, ledger))).then(() => {
      for (const waiter of this.waiters.splice(0)) waiter.resolve();
    });
  }

  pushesAnswered(count: number): Promise<void> {
    if (this.answered >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private async run(baseUrl: string, client: PushingClient, ledger: PushLedger): Promise<void> {
    for (;;) {
      const batch = ledger.nextBatch(client);
      this.inFlight++;
      const outcome = await ledger.push(baseUrl, client, batch);
      this.inFlight--;
      if (outcome !== 'acked') {
        client.unanswered.push(batch);
        return;
      }
      this.answered++;
      for (const waiter of this.waiters.filter((w) => w.count <= this.answered)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

function pushBody(client: PushingClient, batch: SentEvent[]): string {
  const events = batch.map(
    (e) =>
      `{"client_action_id":${e.clientActionId},"action_type":"create","entity_type":"issues","entity_id":${JSON.stringify(e.entityId)},` +
      `"payload":${e.payload},"client_timestamp":"2026-01-31T08:15:02.123Z"}`,
  );
  return `{"device_id":${JSON.stringify(client.deviceId)},"session_id":${JSON.stringify(client.sessionId)},"events":[${events.join(',')}]}`;
}

function checkErrorBody(ledger: PushLedger, status: number, text: string): void {
  let body: { code?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const wellFormed =
    body !== undefined &&
    typeof body.code === 'string' &&
    typeof body.message === 'string' &&
    body.error?.code === body.code &&
    body.error?.message === body.message;
  if (!wellFormed) ledger.problem(`a ${status} answer without the PROTOCOL.md error body: ${text.slice(0, 200)}`);
}

/** Every server_seq a reader can pull, page by page as td does. */
async function pullSeqs(baseUrl: string, apiKey: string, projectId: string): Promise<number[]> {
  const seqs: number[] = [];
  let after = 0;
  for (let page = 0; page < 1000; page++) {
    const result = await http<{ events: Array<{ server_seq: number }>; last_server_seq: number; has_more: boolean }>(
      baseUrl,
      'GET',
      `/v1/projects/${projectId}/sync/pull?after_server_seq=${after}&limit=10000`,
      { apiKey },
    );
    if (result.status !== 200) throw new Error(`pull of ${projectId} answered ${result.status}: ${result.text.slice(0, 200)}`);
    seqs.push(...result.body.events.map((e) => e.server_seq));
    after = result.body.last_server_seq;
    if (!result.body.has_more) return seqs;
  }
  throw new Error('pull did not finish within 1000 pages');
}
