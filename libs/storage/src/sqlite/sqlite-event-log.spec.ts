import fc from 'fast-check';
import type { Database } from 'better-sqlite3';
import { isUtf8 } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectDatabases } from '../project-databases';
import { AppendResult, EventPage, PAGE_BYTE_BUDGET, PushBatch, PushEvent, PushOutcome, StoredEvent } from '../repositories/event-store';
import { EXCLUSION_FACTS_SQL, PAGE_EXCLUDING_SQL, PAGE_SQL, ROWS_PER_INSERT, SqliteEventLog } from './sqlite-event-log';

const TIME = '2026-01-31T08:15:02.000Z';

function event(clientActionId: number | bigint, overrides: Partial<PushEvent> = {}): PushEvent {
  return {
    clientActionId,
    actionType: 'create',
    entityType: 'issues',
    entityId: `td-${clientActionId}`,
    payload: `{"n":${clientActionId}}`,
    clientTimestamp: '2026-01-31T08:15:02.123Z',
    ...overrides,
  };
}

/** The page's events as the client will decode them. */
function eventsOf(page: EventPage): Record<string, unknown>[] {
  const events = JSON.parse(`[${page.eventsJson}]`) as Record<string, unknown>[];
  expect(events).toHaveLength(page.count);
  return events;
}

const seqsOf = (page: EventPage) => eventsOf(page).map((event) => event.server_seq);

function batch(deviceId: string, events: PushEvent[], sessionId = 'ses-1'): PushBatch {
  return { deviceId, sessionId, events };
}

describe('SqliteEventLog (on a real project database)', () => {
  let dir: string;
  let databases: ProjectDatabases;
  let db: Database;
  let projectSeq = 0;
  const log = new SqliteEventLog();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-event-log-'));
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: dir, maxOpenProjects: 8 });
  });
  afterAll(async () => {
    await databases.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const id = `p_${(++projectSeq).toString(16).padStart(16, '0')}`;
    await databases.create(id);
    db = await databases.get(id);
  });

  it('acknowledges new events with consecutive server_seqs in request order', () => {
    const result = log.append(db, batch('dev-1', [event(1), event(2), event(3)]), TIME);
    expect(result.accepted).toBe(3);
    expect([...result.outcomes]).toEqual([PushOutcome.Acked, PushOutcome.Acked, PushOutcome.Acked]);
    expect([...result.serverSeqs]).toEqual([1, 2, 3]);
  });

  it('compiles the 32-row INSERT, the import and the status statements only when first needed', () => {
    const prepared = jest.spyOn(db, 'prepare');
    const multiRow = () => prepared.mock.calls.filter(([sql]) => sql.split('(?').length > ROWS_PER_INSERT).length;
    const ofStatus = () => prepared.mock.calls.filter(([sql]) => /COUNT\(\*\)|ORDER BY server_seq DESC/.test(sql)).length;
    try {
      const fresh = new SqliteEventLog();
      fresh.append(db, batch('dev-1', [event(1), event(2), event(3)]), TIME);
      expect({ multiRow: multiRow(), ofStatus: ofStatus() }).toEqual({ multiRow: 0, ofStatus: 0 });
      fresh.append(db, batch('dev-1', Array.from({ length: ROWS_PER_INSERT + 1 }, (_, i) => event(10 + i))), TIME);
      fresh.append(db, batch('dev-1', Array.from({ length: ROWS_PER_INSERT }, (_, i) => event(100 + i))), TIME);
      expect(multiRow()).toBe(1);
      expect(fresh.status(db).eventCount).toBe(3 + 2 * ROWS_PER_INSERT + 1);
      expect(ofStatus()).toBe(2);
    } finally {
      prepared.mockRestore();
    }
  });

  it("runs pushes, groups and pages without better-sqlite3's transaction functions (nine statements and four wrappers per connection)", () => {
    const transactions = jest.spyOn(db, 'transaction');
    try {
      const fresh = new SqliteEventLog();
      fresh.append(db, batch('dev-1', [event(1)]), TIME);
      fresh.appendAll(db, [{ batch: batch('dev-1', [event(2)]), serverTimestamp: TIME, admit: () => undefined }]);
      expect(fresh.page(db, 0, 10, undefined).count).toBe(2);
      expect(transactions).not.toHaveBeenCalled();
    } finally {
      transactions.mockRestore();
    }
  });

  it("answers a re-pushed event with the stored original's server_seq, stores nothing and leaves no gap in the seqs", () => {
    log.append(db, batch('dev-1', [event(1), event(2)]), TIME);
    log.append(db, batch('dev-2', [event(1)]), TIME);
    const again = log.append(db, batch('dev-1', [event(2), event(5), event(1, { payload: '{"changed":true}' })]), TIME);
    expect(again.accepted).toBe(1);
    expect([...again.outcomes]).toEqual([PushOutcome.Duplicate, PushOutcome.Acked, PushOutcome.Duplicate]);
    expect([...again.serverSeqs]).toEqual([2, 4, 1]);
    expect(String(log.page(db, 0, 1, undefined).eventsJson)).toContain('"payload":{"n":1},');
  });

  it('treats the same id from another session or device as a different event', () => {
    log.append(db, batch('dev-1', [event(1)]), TIME);
    const result = log.append(db, batch('dev-1', [event(1)], 'ses-2'), TIME);
    expect(result.accepted).toBe(1);
    expect(log.status(db).eventCount).toBe(2);
  });

  it('answers a duplicate within one batch with the seq its first copy just got', () => {
    const result = log.append(db, batch('dev-1', [event(7), event(8), event(7)]), TIME);
    expect(result.accepted).toBe(2);
    expect([...result.outcomes]).toEqual([PushOutcome.Acked, PushOutcome.Acked, PushOutcome.Duplicate]);
    expect([...result.serverSeqs]).toEqual([1, 2, 1]);
  });

  it('looks each event up when the batch overlaps stored ids, and only then', () => {
    log.append(db, batch('dev-1', [event(1), event(3), event(10), event(9007199254740993n)]), TIME); // seqs 1-4
    expect([...log.append(db, batch('dev-1', [event(2), event(4)]), TIME).outcomes]).toEqual([PushOutcome.Acked, PushOutcome.Acked]);
    expect([...log.append(db, batch('dev-1', [event(11), event(12)]), TIME).serverSeqs]).toEqual([7, 8]);
    const mixed = log.append(db, batch('dev-1', [event(13), event(10), event(9007199254740993n), event(13)]), TIME);
    expect([...mixed.outcomes]).toEqual([PushOutcome.Acked, PushOutcome.Duplicate, PushOutcome.Duplicate, PushOutcome.Duplicate]);
    expect([...mixed.serverSeqs]).toEqual([9, 3, 4, 9]);
    const descending = log.append(db, batch('dev-1', [event(16), event(15), event(14), event(1)]), TIME);
    expect([...descending.serverSeqs]).toEqual([10, 11, 12, 1]);
  });

  it.each([
    ['small batches', 12, 1, 12, 60],
    [`batches past ${ROWS_PER_INSERT} new events (multi-row inserts)`, 400, 2 * ROWS_PER_INSERT, 5 * ROWS_PER_INSERT, 12],
  ])('agrees with a simple model over any sequence of pushes: %s', async (_case, maxId, minLength, maxLength, numRuns) => {
    const idArbitrary = fc.oneof(fc.integer({ min: -3, max: maxId }), fc.constantFrom(9007199254740993n, -9007199254740993n));
    const batchArbitrary = fc.record({
      deviceId: fc.constantFrom('a', 'b'),
      sessionId: fc.constantFrom('s1', 's2'),
      events: fc.array(fc.record({ id: idArbitrary, empty: fc.boolean() }), { minLength, maxLength }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(batchArbitrary, { minLength: 1, maxLength: 8 }), async (batches) => {
        const id = `p_${(++projectSeq).toString(16).padStart(16, '0')}`;
        await databases.create(id);
        const fresh = await databases.get(id);
        const stored = new Map<string, number>();
        let nextSeq = 1;
        for (const { deviceId, sessionId, events } of batches) {
          const result = log.append(fresh, batch(deviceId, events.map((e) => event(e.id, e.empty ? { entityId: '' } : {})), sessionId), TIME);
          let accepted = 0;
          events.forEach((e, i) => {
            const key = `${deviceId}/${sessionId}/${e.id}`;
            const seq = stored.get(key);
            if (e.empty) expect([result.outcomes[i], result.serverSeqs[i]]).toEqual([PushOutcome.EmptyEntityId, 0]);
            else if (seq !== undefined) expect([result.outcomes[i], result.serverSeqs[i]]).toEqual([PushOutcome.Duplicate, seq]);
            else {
              expect([result.outcomes[i], result.serverSeqs[i]]).toEqual([PushOutcome.Acked, nextSeq]);
              stored.set(key, nextSeq++);
              accepted++;
            }
          });
          expect(result.accepted).toBe(accepted);
        }
        expect(log.status(fresh)).toMatchObject({ eventCount: stored.size, lastServerSeq: stored.size });
        // Each seq holds the event it was acknowledged for.
        const rows = fresh.prepare('SELECT server_seq, device_id, session_id, client_action_id FROM events ORDER BY server_seq').safeIntegers(true).raw().all() as [bigint, string, string, bigint][];
        expect(rows.map(([seq, d, s, a]) => [`${d}/${s}/${a}`, Number(seq)])).toEqual([...stored].sort((x, y) => x[1] - y[1]));
        await databases.remove(id);
      }),
      { numRuns },
    );
  });

  it('rejects an event with an empty entity_id alone', () => {
    const result = log.append(db, batch('dev-1', [event(1), event(2, { entityId: '' }), event(3)]), TIME);
    expect([...result.outcomes]).toEqual([PushOutcome.Acked, PushOutcome.EmptyEntityId, PushOutcome.Acked]);
    expect([...result.serverSeqs]).toEqual([1, 0, 2]);
    expect(log.status(db).eventCount).toBe(2);
  });

  it('stores nothing of a batch that fails part-way', () => {
    log.append(db, batch('dev-1', [event(1)]), TIME);
    // A value SQLite cannot bind makes the third insert throw after two succeeded.
    const poisoned = batch('dev-1', [event(2), event(3), event(2n ** 64n)]);
    expect(() => log.append(db, poisoned, TIME)).toThrow();
    expect(log.status(db)).toMatchObject({ eventCount: 1, lastServerSeq: 1 });
    // The rolled-back seqs are handed out again: nobody ever saw them.
    expect([...log.append(db, batch('dev-1', [event(2)]), TIME).serverSeqs]).toEqual([2]);
  });

  it('stores nothing of a batch whose row fails a constraint inside a multi-row insert, alone or in a group', () => {
    // The inserts are OR FAIL (the statement keeps its earlier rows): the batch's transaction or savepoint must undo them.
    db.exec(`CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.entity_id = 'poison' BEGIN SELECT RAISE(FAIL, 'poisoned row'); END`);
    const events = (poisonAt: number) => Array.from({ length: 3 * ROWS_PER_INSERT }, (_, i) => event(i + 1, i + 1 === poisonAt ? { entityId: 'poison' } : {}));
    // Past the first full statement and inside the second.
    const poisonAt = ROWS_PER_INSERT + 8;
    expect(() => log.append(db, batch('dev-1', events(poisonAt)), TIME)).toThrow(/poisoned row/);
    expect(log.status(db)).toMatchObject({ eventCount: 0, lastServerSeq: 0 });

    const results = log.appendAll(db, [
      { batch: batch('dev-a', events(0)), serverTimestamp: TIME, admit: () => undefined },
      { batch: batch('dev-b', events(poisonAt)), serverTimestamp: TIME, admit: () => undefined },
      { batch: batch('dev-c', events(0).slice(0, 5)), serverTimestamp: TIME, admit: () => undefined },
    ]);
    const n = 3 * ROWS_PER_INSERT;
    expect(results[1]).toBeInstanceOf(Error);
    expect([...(results[0] as AppendResult).serverSeqs]).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // No gap where the failed batch was: its seqs were never handed out.
    expect([...(results[2] as AppendResult).serverSeqs]).toEqual([n + 1, n + 2, n + 3, n + 4, n + 5]);
    expect(db.prepare(`SELECT device_id, count(*) FROM events GROUP BY device_id ORDER BY device_id`).raw().all()).toEqual([
      ['dev-a', n],
      ['dev-c', 5],
    ]);
    expect(log.status(db)).toMatchObject({ eventCount: n + 5, lastServerSeq: n + 5 });
  });

  it('stores the batch-wide values (device, session, server time) on every row, multi-row and single-row inserts alike', () => {
    const count = ROWS_PER_INSERT + 3;
    log.append(db, batch('dev-x', Array.from({ length: count }, (_, i) => event(i + 1)), 'ses-x'), '2026-02-01T00:00:00.5Z');
    log.append(db, batch('dev-y', [event(1)], 'ses-y'), '2026-02-02T00:00:00Z');
    const rows = db.prepare(`SELECT device_id, session_id, server_timestamp, client_action_id, entity_id FROM events ORDER BY server_seq`).raw().all();
    expect(rows).toEqual([
      ...Array.from({ length: count }, (_, i) => ['dev-x', 'ses-x', '2026-02-01T00:00:00.5Z', i + 1, `td-${i + 1}`]),
      ['dev-y', 'ses-y', '2026-02-02T00:00:00Z', 1, 'td-1'],
    ]);
  });

  it('keeps client_action_ids beyond 2^53 and negative ones exact', () => {
    const big = 9223372036854775807n;
    const result = log.append(db, batch('dev-1', [event(big), event(-5), event(9007199254740991)]), TIME);
    expect(result.accepted).toBe(3);
    expect(String(log.page(db, 0, 10, undefined).eventsJson)).toMatch(
      /"client_action_id":9223372036854775807,.*"client_action_id":-5,.*"client_action_id":9007199254740991,/,
    );
    const again = log.append(db, batch('dev-1', [event(big)]), TIME);
    expect([...again.outcomes]).toEqual([PushOutcome.Duplicate]);
    expect([...again.serverSeqs]).toEqual([1]);
  });

  it('pages in ascending order with an exact has_more, also when excluding a device', () => {
    log.append(db, batch('dev-a', [event(1), event(2)]), TIME);
    log.append(db, batch('dev-b', [event(1)]), TIME);
    log.append(db, batch('dev-a', [event(3), event(4)]), TIME);
    // seqs: 1 a, 2 a, 3 b, 4 a, 5 a

    const all = log.page(db, 0, 5, undefined);
    expect(seqsOf(all)).toEqual([1, 2, 3, 4, 5]);
    expect(all).toMatchObject({ count: 5, lastServerSeq: 5, hasMore: false });
    expect(log.page(db, 0, 4, undefined)).toMatchObject({ count: 4, lastServerSeq: 4, hasMore: true });
    expect(seqsOf(log.page(db, 2, 2, undefined))).toEqual([3, 4]);

    // Only dev-a's events come after seq 3, so excluding dev-a there is no more.
    const firstOfB = log.page(db, 0, 1, 'dev-a');
    expect(seqsOf(firstOfB)).toEqual([3]);
    expect(firstOfB.hasMore).toBe(false);
    expect(log.page(db, 3, 10, 'dev-a')).toEqual({ eventsJson: Buffer.alloc(0), count: 0, lastServerSeq: undefined, hasMore: false });
    expect(log.page(db, 0, 1, 'dev-b')).toMatchObject({ lastServerSeq: 1, hasMore: true });
    expect(log.page(db, 9007199254740993n, 10, undefined)).toMatchObject({ count: 0, hasMore: false });
  });

  it('writes each event as the PROTOCOL.md pull object, payload verbatim, any stored string safely quoted', () => {
    const odd = 'dev "1"\\\n\t\u0001 é 😀 \u2028 </script>';
    const payload = '{ "b" : 1.0, "a" : [12345678901234567890, -0, 1e400], "s" : "\\u00e9\\"" }';
    log.append(db, batch(odd, [event(17, { entityType: 'notes', actionType: 'soft_delete', entityId: odd, payload })], odd), TIME);
    const page = log.page(db, 0, 1, undefined);
    expect(String(page.eventsJson)).toContain(`"payload":${payload},`);
    expect(Object.entries(eventsOf(page)[0])).toEqual([
      ['server_seq', 1],
      ['device_id', odd],
      ['session_id', odd],
      ['client_action_id', 17],
      ['action_type', 'soft_delete'],
      ['entity_type', 'notes'],
      ['entity_id', odd],
      ['payload', JSON.parse(payload)],
      ['client_timestamp', '2026-01-31T08:15:02.123Z'],
    ]);
  });

  it('stores a payload given as bytes as TEXT, byte for byte, in multi-row and single-row inserts alike', () => {
    const payloads = Array.from({ length: ROWS_PER_INSERT + 1 }, (_, i) => `{ "n" : ${i}, "s" : "é 😀 \\u0000 \\ud800", "x" : 1.0e0 }`);
    // Views into one buffer, as the parser hands them: each bound over its own range only.
    const body = Buffer.from(`[${payloads.join(',')}]`);
    let at = 1;
    const events = payloads.map((payload, i) => {
      const bytes = body.subarray(at, at + Buffer.byteLength(payload));
      at += bytes.length + 1;
      return { ...event(i + 1), payload: 'never read', payloadBytes: bytes };
    });
    expect(log.append(db, batch('dev-1', events), TIME).accepted).toBe(payloads.length);
    const rows = db.prepare('SELECT typeof(payload) AS type, payload FROM events ORDER BY server_seq').all() as Array<{ type: string; payload: string }>;
    expect(rows).toEqual(payloads.map((payload) => ({ type: 'text', payload })));
    const page = log.page(db, 0, 100, undefined);
    expect(String(page.eventsJson)).toContain(`"payload":${payloads[ROWS_PER_INSERT]},`);
    expect(eventsOf(page).map((e) => e.payload)).toEqual(payloads.map((payload) => JSON.parse(payload) as unknown));
  });

  it('reports count, last seq and the newest server time; none of it while empty', () => {
    expect(log.status(db)).toEqual({ eventCount: 0, lastServerSeq: 0, lastEventTime: undefined });
    log.append(db, batch('dev-1', [event(1), event(2)]), '2026-01-31T08:00:00.000Z');
    log.append(db, batch('dev-1', [event(3)]), '2026-01-31T09:00:00.000Z');
    expect(log.status(db)).toEqual({ eventCount: 3, lastServerSeq: 3, lastEventTime: '2026-01-31T09:00:00.000Z' });
  });

  it('keeps the count right after it was first taken: duplicates, rejections and failed batches add nothing', () => {
    log.append(db, batch('dev-1', [event(1), event(2)]), TIME);
    expect(log.status(db).eventCount).toBe(2);
    log.append(db, batch('dev-1', [event(2), event(3), event(4, { entityId: '' })]), TIME);
    expect(log.status(db).eventCount).toBe(3);
    expect(() => log.append(db, batch('dev-1', [event(5), event(2n ** 64n)]), TIME)).toThrow();
    expect(log.status(db)).toMatchObject({ eventCount: 3, lastServerSeq: 3 });
    // A fresh SqliteEventLog counts from scratch and agrees.
    expect(new SqliteEventLog().status(db).eventCount).toBe(3);
  });

  it('reads a page as a rowid range, and an excluding page from the events_by_device index alone', () => {
    const planOf = (sql: string, params: Record<string, unknown>) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((step) => step.detail);
    expect(planOf(PAGE_SQL, { after: 0, rows: 2 }).join('; ')).toMatch(/SEARCH events USING INTEGER PRIMARY KEY \(rowid>\?\)/);
    const excluding = planOf(PAGE_EXCLUDING_SQL, { after: 0, exclude: 'x', rows: 2 });
    // Each other device's events after the cursor are an index range; rows are then read by rowid; nothing is scanned.
    for (const alias of ['e', 's']) {
      expect(excluding).toContainEqual(expect.stringMatching(new RegExp(`^SEARCH ${alias} USING COVERING INDEX events_by_device \\(device_id=\\? AND server_seq>\\?`)));
    }
    expect(excluding).toContainEqual(expect.stringMatching(/^SEARCH events USING INTEGER PRIMARY KEY \(rowid=\?\)/));
    expect(excluding.filter((detail) => /^SCAN (events|e|s)\b/.test(detail))).toEqual([]);
    // Whether anyone else wrote after the cursor: seeks in the index (one per device), no scan, no sort.
    const facts = planOf(EXCLUSION_FACTS_SQL, { after: 0, exclude: 'x' });
    expect(facts).toContainEqual(expect.stringMatching(/^SEARCH (events|e) USING COVERING INDEX events_by_device \(device_id=\? AND server_seq>\?\)/));
    expect(facts.filter((detail) => /^SCAN (events|e)\b|TEMP B-TREE/.test(detail))).toEqual([]);
  });

  it('answers a page as UTF-8 bytes, and an excluding pull with nothing from anyone else as an empty page', () => {
    log.append(db, batch('dev-a', [event(1, { payload: '{"t":"é😀"}' }), event(2)]), TIME);
    const page = log.page(db, 0, 10, undefined);
    expect(Buffer.isBuffer(page.eventsJson)).toBe(true);
    expect(eventsOf(page)[0].payload).toEqual({ t: 'é😀' });
    expect(log.page(db, 0, 10, 'dev-a')).toEqual({ eventsJson: Buffer.alloc(0), count: 0, lastServerSeq: undefined, hasMore: false });
    log.append(db, batch('dev-b', [event(1)]), TIME);
    expect(seqsOf(log.page(db, 0, 10, 'dev-a'))).toEqual([3]);
    expect(log.page(db, 3, 10, 'dev-a')).toMatchObject({ count: 0, hasMore: false });
  });

  it('serves text that is not valid UTF-8 (a log taken over from a Go server) with U+FFFD, as valid UTF-8', () => {
    log.append(db, batch('dev-a', [event(1)]), TIME);
    // A lone surrogate's bytes and a stray 0xff, as Go could have stored them.
    db.prepare(`UPDATE events SET device_id = CAST(x'61eda08078ff62' AS TEXT)`).run();
    const page = log.page(db, 0, 10, undefined);
    expect(isUtf8(page.eventsJson as Buffer)).toBe(true);
    expect(eventsOf(page)[0].device_id).toBe('a\ufffd\ufffd\ufffdx\ufffdb');
  });

  it('pages exactly like a filter over the log, whatever the devices, cursor, limit and exclusion', async () => {
    const deviceArbitrary = fc.constantFrom('a', 'b', 'c', 'dd');
    const pushes = fc.array(fc.record({ deviceId: deviceArbitrary, count: fc.integer({ min: 1, max: 7 }) }), { minLength: 0, maxLength: 12 });
    const pulls = fc.array(fc.record({ after: fc.integer({ min: 0, max: 50 }), limit: fc.integer({ min: 1, max: 12 }), exclude: fc.option(fc.constantFrom('a', 'b', 'c', 'dd', 'zz'), { nil: undefined }) }), {
      minLength: 1,
      maxLength: 10,
    });
    await fc.assert(
      fc.asyncProperty(pushes, pulls, async (pushList, pullList) => {
        const id = `p_${(++projectSeq).toString(16).padStart(16, '0')}`;
        await databases.create(id);
        const fresh = await databases.get(id);
        const model: { seq: number; device: string }[] = [];
        let nextId = 1;
        for (const { deviceId, count } of pushList) {
          const result = log.append(fresh, batch(deviceId, Array.from({ length: count }, () => event(nextId++))), TIME);
          result.serverSeqs.forEach((seq) => model.push({ seq, device: deviceId }));
        }
        for (const { after, limit, exclude } of pullList) {
          const matching = model.filter((row) => row.seq > after && row.device !== exclude);
          const page = log.page(fresh, after, limit, exclude);
          const events = eventsOf(page);
          expect(events.map((e) => e.server_seq)).toEqual(matching.slice(0, limit).map((row) => row.seq));
          expect(events.map((e) => e.device_id)).toEqual(matching.slice(0, limit).map((row) => row.device));
          expect(page.hasMore).toBe(matching.length > limit);
          expect(page.lastServerSeq).toBe(matching.length > 0 ? matching[Math.min(limit, matching.length) - 1].seq : undefined);
        }
        await databases.remove(id);
      }),
      { numRuns: 60 },
    );
  });
});

describe('SqliteEventLog pages of huge events', () => {
  it('counts an event as its payload and id bytes plus 160, as PostgreSQL does, so both end a page at the same event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-sync-page-budget-'));
    const databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: dir, maxOpenProjects: 2 });
    try {
      await databases.create('p_00000000000000ab');
      const db = await databases.get('p_00000000000000ab');
      const log = new SqliteEventLog();
      // dev-1 / ses-1 / td-N: 5 + 5 + 4 id bytes. Two events of exactly half the budget fit; one byte more and the second waits.
      const payloadOf = (bytes: number) => `{"é":"${'x'.repeat(bytes - 9)}"}`; // é is two bytes
      const half = PAGE_BYTE_BUDGET / 2 - (5 + 5 + 4 + 160);
      log.append(db, batch('dev-1', [event(1, { payload: payloadOf(half), entityId: 'td-1' }), event(2, { payload: payloadOf(half), entityId: 'td-2' })]), TIME);
      log.append(db, batch('dev-1', [event(3, { payload: payloadOf(half + 1), entityId: 'td-3' }), event(4, { payload: '{}', entityId: 'td-4' })]), TIME);
      expect(log.page(db, 0, 1000, undefined)).toMatchObject({ count: 2, lastServerSeq: 2, hasMore: true });
      expect(log.page(db, 1, 1000, undefined)).toMatchObject({ count: 1, lastServerSeq: 2, hasMore: true });
      expect(log.page(db, 2, 1000, undefined)).toMatchObject({ count: 2, lastServerSeq: 4, hasMore: false });
    } finally {
      await databases.closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends a page once it passes the byte budget, always with at least one event, and says more remain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-sync-page-budget-'));
    const databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: dir, maxOpenProjects: 2 });
    try {
      const projectId = 'p_00000000000000aa';
      await databases.create(projectId);
      const db = await databases.get(projectId);
      const log = new SqliteEventLog();
      const big = `{"blob":"${'x'.repeat(3 * 1024 * 1024)}"}`; // 3 MiB: two fit in a page, three do not
      for (let i = 1; i <= 5; i++) log.append(db, batch('dev-1', [event(i, { payload: big })]), TIME);
      const seen: unknown[] = [];
      let after = 0;
      let pages = 0;
      for (;;) {
        const page = log.page(db, after, 1000, undefined);
        pages++;
        expect(page.count).toBeGreaterThanOrEqual(1);
        expect(page.eventsJson.length).toBeLessThanOrEqual(PAGE_BYTE_BUDGET + big.length);
        seen.push(...seqsOf(page));
        after = page.lastServerSeq as number;
        if (!page.hasMore) break;
      }
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect(pages).toBe(3);

      // A single event larger than the budget still comes, alone.
      const huge = `{"blob":"${'y'.repeat(PAGE_BYTE_BUDGET + 10)}"}`;
      log.append(db, batch('dev-2', [event(1, { payload: huge })]), TIME);
      const lone = log.page(db, 5, 1000, undefined);
      expect(lone).toMatchObject({ count: 1, hasMore: false, lastServerSeq: 6 });

      // Excluding a device, the budget counts only the events served: dev-2's huge one comes alone.
      log.append(db, batch('dev-3', [event(1, { payload: big })]), TIME);
      expect(log.page(db, 0, 1000, 'dev-1')).toMatchObject({ count: 1, hasMore: true, lastServerSeq: 6 });
      expect(log.page(db, 6, 1000, 'dev-1')).toMatchObject({ count: 1, hasMore: false, lastServerSeq: 7 });
      const fromDev1 = log.page(db, 0, 1000, 'dev-3');
      expect(seqsOf(fromDev1)).toEqual([1, 2]);
      expect(fromDev1.hasMore).toBe(true);
    } finally {
      await databases.closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteEventLog.appendStored (events taken over with their seqs)', () => {
  let dir: string;
  let databases: ProjectDatabases;
  let db: Database;
  const log = new SqliteEventLog();
  const stored = (serverSeq: number | bigint, clientActionId: number | bigint = serverSeq): StoredEvent => ({
    serverSeq,
    deviceId: 'go-laptop',
    sessionId: 'ses',
    clientActionId,
    actionType: 'create',
    entityType: 'issues',
    entityId: `td-${serverSeq}`,
    payload: `{"seq" : ${serverSeq}}`,
    clientTimestamp: '2026-01-31T08:15:02.123456789Z',
    serverTimestamp: TIME,
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-event-log-stored-'));
    databases = new ProjectDatabases({ serverDbPath: join(dir, 'server.db'), projectDataDir: dir, maxOpenProjects: 2 });
    await databases.create('p_0000000000000001');
    db = await databases.get('p_0000000000000001');
  });
  afterEach(async () => {
    await databases.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the seqs given, gaps and all, and the next push continues after the highest', () => {
    log.appendStored(db, [stored(1), stored(2), stored(5)]);
    log.appendStored(db, [stored(9)]);
    const result = log.append(db, batch('td-client', [event(1)]), TIME);
    expect(Array.from(result.serverSeqs)).toEqual([10]);
    expect(seqsOf(log.page(db, 0, 100, undefined))).toEqual([1, 2, 5, 9, 10]);
    expect(String(log.page(db, 0, 1, undefined).eventsJson)).toContain('"payload":{"seq" : 1},"client_timestamp":"2026-01-31T08:15:02.123456789Z"');
    expect(log.status(db)).toMatchObject({ eventCount: 5, lastServerSeq: 10 });
  });

  it('answers a later push of a stored event as a duplicate with its stored seq', () => {
    log.appendStored(db, [stored(7, 123n)]);
    const result = log.append(db, { deviceId: 'go-laptop', sessionId: 'ses', events: [event(123n)] }, TIME);
    expect([result.outcomes[0], result.serverSeqs[0]]).toEqual([PushOutcome.Duplicate, 7]);
  });

  it.each([
    ['a seq at or below one stored', [[stored(3)], [stored(3)]]],
    ['seqs out of order within a batch', [[stored(4), stored(2)]]],
  ])('refuses %s and writes nothing of that batch', (_, batches) => {
    const [last] = batches.slice(-1);
    for (const earlier of batches.slice(0, -1)) log.appendStored(db, earlier);
    const before = log.page(db, 0, 100, undefined).count;
    expect(() => log.appendStored(db, last)).toThrow(/does not ascend/);
    expect(log.page(db, 0, 100, undefined).count).toBe(before);
  });
});
