/**
 * What the hostile-load specs run against a spawned server: a liveness probe
 * as Kubernetes runs it, floods of raw requests, and legitimate clients that
 * push while the flood lasts and remember every acknowledgement, to check
 * afterwards that each one is stored where it was acknowledged.
 */
import { http } from './http';
import { RawConnection, requestHead } from './raw-connection';

/** What a liveness probe allows (the shipped Kubernetes probe's timeout). */
export const PROBE_TIMEOUT_MS = 5000;

/** /healthz, again and again, each with the probe's timeout, until stopped. */
export class HealthProbe {
  readonly outcomes: Array<number | string> = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly url: string) {
    this.loop = this.run();
  }

  /** Stops probing; resolves with every outcome (a status, or the error's name: TimeoutError past 5 s). */
  async stop(): Promise<Array<number | string>> {
    this.running = false;
    await this.loop;
    return this.outcomes;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        await response.text();
        this.outcomes.push(response.status);
      } catch (error) {
        this.outcomes.push((error as Error).name);
      }
      // A probe period, as Kubernetes has one: the probe is not itself a load.
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

export interface FloodAnswer {
  /** The status the client read, or why it read none. */
  status: number | string;
  /** A socket error on the client's side before it had its answer (a reset): must not happen. */
  errorBeforeAnswer?: string;
}

/**
 * One request of a flood: sends `head` and all of `body` while reading the
 * answer, as a client that writes its body in one go does; the connection is
 * dropped once the answer is read and the body sent.
 */
export async function floodRequest(url: string, head: string, body: Buffer): Promise<FloodAnswer> {
  let connection: RawConnection;
  try {
    connection = await RawConnection.open(url);
  } catch (error) {
    return { status: (error as NodeJS.ErrnoException).code ?? 'connect failed' };
  }
  try {
    const sending = connection.write(head).then(() => connection.write(body));
    const answer = await connection.nextResponse(120_000);
    await sending;
    return { status: answer.status };
  } catch (error) {
    return { status: (error as Error).message, errorBeforeAnswer: connection.error?.code };
  } finally {
    connection.destroy();
  }
}

/** `concurrency` clients, each sending `rounds` requests one after another; every answer, in no particular order. */
export async function flood(concurrency: number, rounds: number, send: () => Promise<FloodAnswer>): Promise<FloodAnswer[]> {
  const answers: FloodAnswer[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let round = 0; round < rounds; round++) answers.push(await send());
    }),
  );
  return answers;
}

/**
 * A td-like push body of about `bytes` bytes: 1000 issues with long
 * descriptions from device `deviceId`, as JSON text. With `invalidLast`, the
 * last event's timestamp is not RFC 3339, so the whole body is read and parsed
 * and then refused with 400, storing nothing.
 */
export function pushBody(bytes: number, deviceId: string, invalidLast = false): Buffer {
  const events: string[] = [];
  const description = 'd'.repeat(Math.max(0, Math.floor(bytes / 1000) - 300));
  for (let i = 1; i <= 1000; i++) {
    const timestamp = invalidLast && i === 1000 ? 'yesterday' : '2026-01-31T08:15:02.123Z';
    const payload = JSON.stringify({ schema_version: 1, new_data: { id: `td-${i}`, title: `issue ${i}`, description }, previous_data: {} });
    events.push(
      `{"client_action_id":${i},"action_type":"create","entity_type":"issues","entity_id":"td-${i}","payload":${payload},"client_timestamp":"${timestamp}"}`,
    );
  }
  return Buffer.from(`{"device_id":"${deviceId}","session_id":"flood","events":[${events.join(',')}]}`);
}

/** The head of a push request for `body` (no Authorization unless given). */
export function pushHead(projectId: string, body: Buffer, apiKey?: string): string {
  return requestHead('POST', `/v1/projects/${projectId}/sync/push`, body.length, apiKey ? { Authorization: `Bearer ${apiKey}` } : {});
}

/**
 * A legitimate td client: pushes `batches` batches of `perBatch` events as
 * device `deviceId`, one after another, honouring Retry-After on 503 as a
 * client should; remembers the server_seq of every acknowledged event.
 */
export class LegitimateClient {
  /** `clientActionId` → server_seq. */
  readonly acks = new Map<number, number>();
  readonly failures: string[] = [];
  retries = 0;

  constructor(
    private readonly url: string,
    private readonly apiKey: string,
    private readonly projectId: string,
    readonly deviceId: string,
  ) {}

  async run(batches: number, perBatch: number): Promise<void> {
    let next = 1;
    for (let batch = 0; batch < batches; batch++) {
      const events = Array.from({ length: perBatch }, () => {
        const id = next++;
        return {
          client_action_id: id,
          action_type: 'create',
          entity_type: 'issues',
          entity_id: `td-${this.deviceId}-${id}`,
          payload: { schema_version: 1, new_data: { id: `td-${id}`, title: `from ${this.deviceId}` } },
          client_timestamp: '2026-01-31T08:15:02.123Z',
        };
      });
      for (let attempt = 0; ; attempt++) {
        const result = await http<{ acks: Array<{ client_action_id: number; server_seq: number }> }>(
          this.url,
          'POST',
          `/v1/projects/${this.projectId}/sync/push`,
          { apiKey: this.apiKey, body: { device_id: this.deviceId, session_id: 'legit', events } },
        );
        if (result.status === 200) {
          for (const ack of result.body.acks) this.acks.set(ack.client_action_id, ack.server_seq);
          break;
        }
        if (result.status !== 503 || attempt >= 60) {
          this.failures.push(`batch ${batch}: ${result.status} ${result.text.slice(0, 200)}`);
          break;
        }
        this.retries++;
        const wait = Number(result.headers.get('retry-after') ?? 1) * 1000;
        await new Promise((done) => setTimeout(done, wait));
      }
    }
  }
}

export interface StoredEvent {
  server_seq: number;
  device_id: string;
  client_action_id: number;
}

/** Every event of a project, pulled page by page. */
export async function pullEverything(url: string, apiKey: string, projectId: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const page = await http<{ events: StoredEvent[]; last_server_seq: number; has_more: boolean }>(
      url,
      'GET',
      `/v1/projects/${projectId}/sync/pull?after_server_seq=${after}&limit=10000`,
      { apiKey },
    );
    if (page.status !== 200) throw new Error(`pull answered ${page.status}: ${page.text}`);
    events.push(...page.body.events);
    if (!page.body.has_more) return events;
    after = page.body.last_server_seq;
  }
}

/** What contradicts "every acknowledged event is stored under the seq it was acknowledged with". */
export function lostAcks(clients: LegitimateClient[], stored: StoredEvent[]): string[] {
  const bySeq = new Map(stored.map((event) => [event.server_seq, event]));
  const lost: string[] = [];
  for (const client of clients) {
    for (const [clientActionId, seq] of client.acks) {
      const event = bySeq.get(seq);
      if (!event || event.device_id !== client.deviceId || Number(event.client_action_id) !== clientActionId) {
        lost.push(`${client.deviceId}#${clientActionId} acknowledged as seq ${seq}, stored there: ${JSON.stringify(event)}`);
      }
    }
  }
  return lost;
}
