import { Logger } from '@nestjs/common';
import { workerProgram } from '@td-sync/testing';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JsonSyntaxError } from './json-bytes';
import { PushBodyLayout, scanPushBody } from './push-body-layout';
import { PushScanResult, PushScanThread } from './push-scan-thread';

const PROGRAM = join(__dirname, 'push-scan.worker.ts');

/** A push body of `count` events, in a Buffer that owns its memory alone (as a request body read from the socket does). */
function ownedBody(text: string): Buffer {
  const bytes = Buffer.from(text);
  const owned = Buffer.from(new ArrayBuffer(bytes.length));
  bytes.copy(owned);
  return owned;
}

function pushText(count: number): string {
  const events = Array.from({ length: count }, (_, i) => ({
    client_action_id: i + 1,
    action_type: 'update',
    entity_type: 'issues',
    entity_id: `td-${i}`,
    payload: { schema_version: 3, new_data: { id: `td-${i}`, title: `title ${i} ü`, points: i % 8 } },
    client_timestamp: '2026-12-03T10:00:00Z',
  }));
  return JSON.stringify({ device_id: 'device', session_id: 'session', events });
}

/** Everything a layout says, for comparing two. */
function described(layout: PushBodyLayout | undefined) {
  if (!layout) return undefined;
  const { depth, repeatedKey, topLevel, eventCount } = layout.toParts();
  const members = Array.from({ length: eventCount }, (_, i) => [layout.elementStart(i), ...Array.from({ length: 6 }, (_, m) => [layout.memberStart(i, m), layout.memberEnd(i, m)])]);
  return { depth, repeatedKey, topLevel: [...topLevel], eventCount, members };
}

/** What scanPushBody answers on the event loop: a layout, undefined, or the syntax error's offset. */
function onTheLoop(text: string): unknown {
  try {
    return described(scanPushBody(Buffer.from(text)));
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { syntaxErrorAt: error.offset };
    throw error;
  }
}

function onTheThread({ found }: PushScanResult): unknown {
  return found instanceof JsonSyntaxError ? { syntaxErrorAt: found.offset } : described(found);
}

describe('PushScanThread', () => {
  let program: string;
  let thread: PushScanThread;

  beforeAll(() => {
    program = workerProgram(PROGRAM);
  });
  afterAll(() => rmSync(dirname(program), { recursive: true, force: true }));
  afterEach(async () => {
    await thread.close();
  });

  it('lays a body out on the thread exactly as on the event loop, moving its memory there and back without a copy', async () => {
    thread = new PushScanThread(program);
    const text = pushText(1000);
    const body = ownedBody(text);
    const scan = thread.scan(body, body);
    expect(scan).toBeDefined();
    // Sent away: the Buffer handed over no longer has its bytes.
    expect(body.length).toBe(0);
    const result = await scan!;
    expect(thread.running).toBe(true);
    expect(result.body.toString()).toBe(text);
    expect(result.text.equals(result.body)).toBe(true);
    expect(onTheThread(result)).toEqual(onTheLoop(text));
    expect((result.found as PushBodyLayout).eventCount).toBe(1000);
  });

  it('scans the text after a byte order mark, as sent', async () => {
    thread = new PushScanThread(program);
    const text = pushText(3);
    const body = ownedBody(`\ufeff${text}`);
    const result = await thread.scan(body, body.subarray(3))!;
    expect(result.text.toString()).toBe(text);
    expect(result.body.length).toBe(Buffer.byteLength(text) + 3);
    expect(onTheThread(result)).toEqual(onTheLoop(text));
  });

  it.each([
    ['JSON.parse would refuse it', '{"device_id": "d", "events": [1, 2,]}'],
    ['its top level is not an object', '[{"device_id": "d"}]'],
    ['it repeats a member', '{"events": [{"payload": {}, "payload": {}}]}'],
    ['it nests deeply', `{"events": [${'['.repeat(20_000)}${']'.repeat(20_000)}]}`],
  ])('answers as the event loop does when %s', async (_case, text) => {
    thread = new PushScanThread(program);
    const body = ownedBody(text);
    expect(onTheThread(await thread.scan(body, body)!)).toEqual(onTheLoop(text));
  });

  it('keeps scans apart and answers each, several at once', async () => {
    thread = new PushScanThread(program);
    const texts = [pushText(10), '{"events": nope}', pushText(200), '"just a string"', pushText(1)];
    const results = await Promise.all(
      texts.map((text) => {
        const body = ownedBody(text);
        return thread.scan(body, body) ?? Promise.reject(new Error('not taken'));
      }),
    );
    expect(results.map(onTheThread)).toEqual(texts.map(onTheLoop));
  });

  it('does not take a Buffer that shares its memory, nor start without its program', async () => {
    thread = new PushScanThread(program);
    const shared = Buffer.from(new ArrayBuffer(64 * 1024)).subarray(10, 20_000);
    expect(thread.scan(shared, shared)).toBeUndefined();
    expect(shared.length).toBe(19_990);
    expect(thread.running).toBe(false);

    const missing = new PushScanThread(join(dirname(program), 'no-such-program.js'));
    const body = ownedBody(pushText(1));
    expect(missing.scan(body, body)).toBeUndefined();
    expect(body.length).toBeGreaterThan(0);
    await missing.close();
  });

  it('ends after the idle time without a scan, and starts again with the next', async () => {
    thread = new PushScanThread(program, 50);
    const body = ownedBody(pushText(2));
    await thread.scan(body, body);
    expect(thread.running).toBe(true);
    for (let i = 0; i < 500 && thread.running; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(thread.running).toBe(false);
    const again = ownedBody(pushText(2));
    expect(onTheThread(await thread.scan(again, again)!)).toEqual(onTheLoop(pushText(2)));
  });

  it('refuses the scans of a thread that fails, logs it, and starts another for the next scan', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const failing = join(dirname(program), 'failing.js');
      // Fails on its first message, after the body went there.
      writeFileSync(failing, `require('node:worker_threads').parentPort.on('message', () => { throw new Error('out of order'); });`);
      thread = new PushScanThread(failing);
      const body = ownedBody(pushText(1));
      await expect(thread.scan(body, body)).rejects.toThrow('the push scan thread failed: out of order');
      expect(errors).toHaveBeenCalledWith(expect.stringContaining('the push scan thread failed: out of order'));
      expect(thread.running).toBe(false);
      writeFileSync(failing, `module.exports = undefined; require(${JSON.stringify(program)});`);
      const next = ownedBody(pushText(1));
      expect(onTheThread(await thread.scan(next, next)!)).toEqual(onTheLoop(pushText(1)));
    } finally {
      errors.mockRestore();
    }
  });

  it('refuses what is still waiting when closed', async () => {
    thread = new PushScanThread(program);
    const body = ownedBody(pushText(1000));
    const refused = expect(thread.scan(body, body)).rejects.toThrow('the push scan thread was closed');
    await thread.close();
    await refused;
    expect(thread.running).toBe(false);
    const later = ownedBody(pushText(1));
    expect(thread.scan(later, later)).toBeUndefined();
  });
});
