import { BadRequestException } from '@nestjs/common';
import { InflightBodyBudget } from '@td-sync/http';
import type { PushBatch } from '@td-sync/storage';
import { workerProgram } from '@td-sync/testing';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LARGE_PUSHES_AT_ONCE, LargePushGate } from './large-push-gate';
import { parsePushRequest } from './push-request';
import { OFF_LOOP_SCAN_BYTES, PushRequestParser } from './push-request-parser';
import { PushScanResult, PushScanThread } from './push-scan-thread';
import { SyncMetrics } from './sync-metrics';

const PROGRAM = join(__dirname, 'push-scan.worker.ts');

/** A body as the app's body parser hands it over: a Buffer that owns its memory alone. */
function requestWith(text: string): { body: unknown } {
  const bytes = Buffer.from(text);
  const body = Buffer.from(new ArrayBuffer(bytes.length));
  bytes.copy(body);
  return { body };
}

/** About 1 KB per event: 100 events pass OFF_LOOP_SCAN_BYTES. */
function pushText(count: number, event: (i: number) => unknown = (i) => sampleEvent(i)): string {
  return JSON.stringify({ device_id: 'device', session_id: 'session', events: Array.from({ length: count }, (_, i) => event(i)) });
}

function sampleEvent(i: number): Record<string, unknown> {
  return {
    client_action_id: i + 1,
    action_type: 'create',
    entity_type: 'issues',
    entity_id: `td-${i}`,
    payload: { title: 'x'.repeat(900), n: i, nested: { ok: true, list: [1, 2.5, null] } },
    client_timestamp: '2026-12-03T10:00:00.123+01:00',
  };
}

/** What a batch holds, as plain values. */
function plain({ deviceId, sessionId, events }: PushBatch): unknown {
  return {
    deviceId,
    sessionId,
    events: events.map(({ clientActionId, actionType, entityType, entityId, payload, payloadBytes, clientTimestamp }) => ({
      clientActionId: String(clientActionId),
      actionType,
      entityType,
      entityId,
      payload,
      payloadBytes: payloadBytes?.toString(),
      clientTimestamp,
    })),
  };
}

/** parsePushRequest's answer, on the event loop: the batch or the 400's message. */
function expected(text: string): unknown {
  try {
    return plain(parsePushRequest(Buffer.from(text)));
  } catch (error) {
    if (error instanceof BadRequestException) return { badRequest: error.message };
    throw error;
  }
}

async function parsed(parser: PushRequestParser, request: { body: unknown }): Promise<unknown> {
  try {
    return plain(await parser.parse(request));
  } catch (error) {
    if (error instanceof BadRequestException) return { badRequest: error.message };
    throw error;
  }
}

describe('PushRequestParser', () => {
  let program: string;
  let thread: PushScanThread;
  let parser: PushRequestParser;
  let metrics: SyncMetrics;
  let bodies: InflightBodyBudget;
  /** Gives back the bytes of another request's body, held in the budget from the start of each test. */
  let anotherBodyDone: () => void;
  /** td_sync_push_scans_total, by where. */
  async function scans(): Promise<Record<string, number>> {
    const counter = metrics.all.find((metric) => (metric as { name?: string }).name === 'td_sync_push_scans_total')!;
    const { values } = await counter.get();
    return Object.fromEntries(values.map(({ labels, value }) => [String(labels.on), value]));
  }

  beforeAll(() => {
    program = workerProgram(PROGRAM);
  });
  afterAll(() => rmSync(dirname(program), { recursive: true, force: true }));
  beforeEach(() => {
    thread = new PushScanThread(program);
    metrics = new SyncMetrics(new LargePushGate(LARGE_PUSHES_AT_ONCE, OFF_LOOP_SCAN_BYTES));
    bodies = new InflightBodyBudget(64 * 1024 * 1024);
    anotherBodyDone = bodies.tryHold(11_000)!;
    parser = new PushRequestParser(thread, metrics, bodies);
  });
  afterEach(() => parser.onApplicationShutdown());

  /** A request admitted as the app's admission stage does: its body's bytes held in the budget. */
  function admitted(text: string): { body: unknown } {
    const request = requestWith(text);
    bodies.tryHold((request.body as Buffer).length);
    return request;
  }

  it('scans a large body on the scan thread while another body is in flight, answers as parsePushRequest, and hands the request its body back', async () => {
    const text = pushText(1000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(OFF_LOOP_SCAN_BYTES);
    const request = admitted(text);
    const sent = request.body as Buffer;
    const batch = await parser.parse(request);
    expect(thread.running).toBe(true);
    // The body's memory went to the thread and came back in another Buffer, which the request now holds.
    expect(sent.length).toBe(0);
    expect((request.body as Buffer).toString()).toBe(text);
    expect(plain(batch)).toEqual(expected(text));
    expect(batch.events[999].payloadBytes?.toString()).toBe(JSON.stringify(sampleEvent(999).payload));
    expect(await scans()).toEqual({ event_loop: 0, scan_thread: 1 });
  });

  it('hands the memory of the layout’s slots back once the batch is built, for a refused body too', async () => {
    const results: PushScanResult[] = [];
    const scan = thread.scan.bind(thread);
    jest.spyOn(thread, 'scan').mockImplementation((body, text) => scan(body, text)?.then((result) => (results.push(result), result)));
    const text = pushText(1000);
    const batch = await parser.parse(admitted(text));
    expect(await parsed(parser, admitted(pushText(100, (i) => (i === 97 ? { ...sampleEvent(i), entity_type: 'nope' } : sampleEvent(i)))))).toEqual({
      badRequest: expect.stringContaining('events[97].entity_type'),
    });
    expect(results).toHaveLength(2);
    for (const { slots } of results) expect(slots.buffer.byteLength).toBe(0);
    // The batch needs none of it: every event still reads as sent.
    expect(plain(batch)).toEqual(expected(text));
  });

  it('scans a large body that is the only one in flight on the event loop, without starting the thread', async () => {
    anotherBodyDone();
    const text = pushText(1000);
    const request = admitted(text);
    const sent = request.body as Buffer;
    expect(plain(await parser.parse(request))).toEqual(expected(text));
    expect(thread.running).toBe(false);
    expect(request.body).toBe(sent);
    expect(await scans()).toEqual({ event_loop: 1, scan_thread: 0 });
  });

  it('scans a small body on the event loop, without starting the thread', async () => {
    const text = pushText(3);
    expect(Buffer.byteLength(text)).toBeLessThan(OFF_LOOP_SCAN_BYTES);
    expect(await parsed(parser, admitted(text))).toEqual(expected(text));
    expect(thread.running).toBe(false);
    expect(await scans()).toEqual({ event_loop: 1, scan_thread: 0 });
  });

  it.each([
    ['invalid JSON', `${pushText(100).slice(0, -2)},]}`],
    ['blank text', ' '.repeat(OFF_LOOP_SCAN_BYTES)],
    ['a top level that is no object', `[${pushText(100)}]`],
    ['too many events', pushText(1001, (i) => ({ ...sampleEvent(i), payload: {} }))],
    ['a repeated member', pushText(100).replace('"action_type":"create"', '"action_type":"create","action_type":"create"')],
    ['a bad event far into the batch', pushText(100, (i) => (i === 97 ? { ...sampleEvent(i), entity_type: 'nope' } : sampleEvent(i)))],
    ['a byte order mark', `\ufeff${pushText(100)}`],
  ])('gives parsePushRequest’s answer for a large body with %s', async (_case, text) => {
    expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(OFF_LOOP_SCAN_BYTES);
    expect(await parsed(parser, admitted(text))).toEqual(expected(text));
    expect(await scans()).toEqual({ event_loop: 0, scan_thread: 1 });
    expect(thread.running).toBe(true);
  });

  it('refuses invalid UTF-8 and a body that is not bytes before anything is scanned', async () => {
    const invalid = Buffer.concat([Buffer.from(pushText(100)), Buffer.from([0xff])]);
    await expect(parser.parse({ body: invalid })).rejects.toThrow('request body is not valid UTF-8');
    await expect(parser.parse({ body: undefined })).rejects.toThrow('request body must be a JSON object');
    expect(thread.running).toBe(false);
  });

  it('scans on the event loop where the thread cannot run', async () => {
    const withoutThread = new PushRequestParser(new PushScanThread(join(dirname(program), 'missing.js')), metrics, bodies);
    const text = pushText(200);
    const request = requestWith(text);
    expect(plain(await withoutThread.parse(request))).toEqual(expected(text));
    expect((request.body as Buffer).length).toBe(Buffer.byteLength(text));
    expect(await scans()).toEqual({ event_loop: 1, scan_thread: 0 });
    await withoutThread.onApplicationShutdown();
  });
});
