import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { Client } from 'pg';
import { MemoryRateLimitCounters } from './memory-rate-limit-counters';
import { openPostgresBackend } from './postgres/postgres-backend';
import { PostgresDatabase } from './postgres/postgres-database';
import type { RateLimitCounters } from './repositories/rate-limit-counters';
import type { StorageBackend } from './storage-backend';

const MINUTE = 60_000;
const T0 = 1_000_000;

/** The fixed-window rules every backend's counters follow. */
function windowRules(counters: () => RateLimitCounters): void {
  it('counts hits in a window opened by the first one', async () => {
    expect(await counters().hit('k', T0, MINUTE)).toEqual({ hits: 1, endsAt: T0 + MINUTE });
    expect(await counters().hit('k', T0 + 59_000, MINUTE)).toEqual({ hits: 2, endsAt: T0 + MINUTE });
  });

  it('starts a fresh window once the old one has ended', async () => {
    await counters().hit('k', T0, MINUTE);
    await counters().hit('k', T0 + 1, MINUTE);
    expect(await counters().hit('k', T0 + MINUTE, MINUTE)).toEqual({ hits: 1, endsAt: T0 + 2 * MINUTE });
  });

  it('counts keys separately', async () => {
    await counters().hit('a', T0, MINUTE);
    expect(await counters().hit('b', T0, MINUTE)).toEqual({ hits: 1, endsAt: T0 + MINUTE });
  });
}

describe('MemoryRateLimitCounters', () => {
  let memory: MemoryRateLimitCounters;
  beforeEach(() => {
    memory = new MemoryRateLimitCounters();
  });

  windowRules(() => memory);

  it('evicts ended windows, so 100,000 distinct keys do not stay in memory', async () => {
    for (let i = 0; i < 100_000; i++) await memory.hit(`key:${i}`, T0, MINUTE);
    expect(memory.size).toBe(100_000);
    await memory.hit('key:new', T0 + MINUTE, MINUTE);
    expect(memory.size).toBe(1);
  });
});

describe('PostgresRateLimitCounters (real PostgreSQL, several nodes)', () => {
  let database: TestDatabase;
  let nodes: StorageBackend[];

  beforeEach(async () => {
    database = await createTestDatabase();
    nodes = [];
    for (let i = 0; i < 3; i++) nodes.push(await openPostgresBackend({ url: database.url, poolSize: 5, connectTimeoutMs: 10_000 }));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(nodes.map((node) => node.connection.close()));
    await database.drop();
  });

  windowRules(() => nodes[0].rateLimitCounters);

  it('counts the hits that queue behind its statement in flight in one statement, each told its count in arrival order', async () => {
    const counters = nodes[0].rateLimitCounters;
    expect(await counters.hit('busy', T0, MINUTE)).toEqual({ hits: 1, endsAt: T0 + MINUTE });
    // Another session holds the key's row, so the next statement stays in flight until it lets go.
    const locker = new Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM rate_limit_windows WHERE key = 'busy' FOR UPDATE`);
      const statements = jest.spyOn(PostgresDatabase.prototype, 'query');
      const first = counters.hit('busy', T0 + 1, MINUTE);
      const queued = [T0 + 2, T0 + 3, T0 + 4, T0 + 5].map((now, i) => counters.hit(i % 2 === 0 ? 'busy' : 'other', now, MINUTE));
      await locker.query('COMMIT');
      expect(await first).toEqual({ hits: 2, endsAt: T0 + MINUTE });
      expect(await Promise.all(queued)).toEqual([
        { hits: 3, endsAt: T0 + MINUTE },
        { hits: 1, endsAt: T0 + 5 + MINUTE },
        { hits: 4, endsAt: T0 + MINUTE },
        { hits: 2, endsAt: T0 + 5 + MINUTE },
      ]);
      const counting = statements.mock.calls.filter(([config]) => typeof config === 'object' && 'name' in config && config.name === 'rate_limit_hits');
      expect(counting).toHaveLength(2);
    } finally {
      await locker.end();
    }
  });

  it('counts concurrent hits through every node exactly once each: one budget', async () => {
    const hits = await Promise.all(Array.from({ length: 90 }, (_, i) => nodes[i % 3].rateLimitCounters.hit('shared', T0 + i, MINUTE)));
    expect(hits.map((window) => window.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    // One window, opened by whichever hit came first.
    expect(new Set(hits.map((window) => window.endsAt)).size).toBe(1);
  });

  it('deletes ended windows as time moves on, keeping the table to the keys of the last window', async () => {
    const counters = nodes[0].rateLimitCounters;
    for (let i = 0; i < 50; i++) await counters.hit(`old:${i}`, T0, MINUTE);
    await counters.hit('new', T0 + 2 * MINUTE, MINUTE);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      // The sweep runs beside the hit that triggered it; wait for it to have committed.
      for (;;) {
        const { rows } = await client.query<{ keys: string[] }>('SELECT array_agg(key ORDER BY key) AS keys FROM rate_limit_windows');
        if (rows[0].keys.length === 1) {
          expect(rows[0].keys).toEqual(['new']);
          break;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      await client.end();
    }
  });
});
