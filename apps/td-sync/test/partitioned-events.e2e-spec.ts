import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { Client } from 'pg';
import { http } from './support/http';
import { migrateWithPartitionedEvents } from './support/partitioned-events';
import { createProject, makeEvents, pull, pullAll, push, startSyncTestServer } from './support/sync';
import { createCaller, TestServer } from './support/test-server';

/**
 * "Beyond one database server" (issue 13): every event query and constraint
 * is keyed by project_id first, so the events table can be hash-partitioned
 * (or distributed by Citus) on it. Here it is partitioned four ways and the
 * sync routes keep every promise: consecutive seqs per project under
 * concurrent pushes, duplicates with their original seqs, exact paging and
 * has_more, status. The whole e2e suite runs on such a table with
 * TD_SYNC_TEST_EVENTS_PARTITIONS=4 TD_SYNC_TEST_BACKENDS=postgres.
 */

const PARTITIONS = 4;
/** Ten random project ids all hashing into one of four partitions: a chance of about 4 in a million. */
const PROJECTS = 10;

describe('sync on an events table hash-partitioned by project_id (PostgreSQL)', () => {
  let database: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateWithPartitionedEvents(database.url, PARTITIONS, {});
    server = await startSyncTestServer({ backend: 'postgres', database });
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('keeps consecutive seqs, duplicates, paging and status per project, with the projects spread over the partitions', async () => {
    const owner = await createCaller(server, 'owner@example.com');
    const projects = await Promise.all(Array.from({ length: PROJECTS }, (_, i) => createProject(server, owner, `partitioned ${i}`)));

    // Three devices push to every project at once.
    const first = await Promise.all(
      projects.flatMap((projectId) =>
        ['a', 'b', 'c'].map((device) => push(server, owner, projectId, { device_id: device, session_id: 's', events: makeEvents(1, 20, { entity_id: `td-${device}` }) })),
      ),
    );
    for (const answer of first) expect({ status: answer.status, accepted: answer.body.accepted }).toEqual({ status: 200, accepted: 20 });

    for (const projectId of projects) {
      const pulled = await pullAll(server, owner, projectId, 'limit=7');
      expect(pulled.map((e) => e.server_seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      const byDevice = (device: string) => pulled.filter((e) => e.device_id === device).map((e) => e.client_action_id);
      for (const device of ['a', 'b', 'c']) expect(byDevice(device)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

      // A batch sent again: duplicates, each with the seq it was stored under; the next new event takes seq 61.
      const seqOfB = new Map(pulled.filter((e) => e.device_id === 'b').map((e) => [e.client_action_id, e.server_seq]));
      const again = await push(server, owner, projectId, { device_id: 'b', session_id: 's', events: makeEvents(19, 3) });
      expect(again.body).toEqual({
        accepted: 1,
        acks: [{ client_action_id: 21, server_seq: 61 }],
        rejected: [
          { client_action_id: 19, reason: 'duplicate', server_seq: seqOfB.get(19) },
          { client_action_id: 20, reason: 'duplicate', server_seq: seqOfB.get(20) },
        ],
      });

      const page = await pull(server, owner, projectId, 'after_server_seq=55&limit=6&exclude_client=a');
      expect(page.body.events.every((e) => e.device_id !== 'a')).toBe(true);
      expect(page.body.has_more).toBe(false);
      const status = await http(server.url, 'GET', `/v1/projects/${projectId}/sync/status`, { apiKey: owner.apiKey });
      expect(status.body).toEqual({ event_count: 61, last_server_seq: 61, last_event_time: expect.any(String) });
    }

    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows: kind } = await client.query(`SELECT relkind FROM pg_class WHERE relname = 'events'`);
      expect(kind).toEqual([{ relkind: 'p' }]);
      const { rows } = await client.query<{ partition: string; projects: string }>(
        'SELECT tableoid::regclass::text AS partition, count(DISTINCT project_id) AS projects FROM events GROUP BY 1',
      );
      expect(rows.length).toBeGreaterThan(1);
      expect(rows.reduce((n, row) => n + Number(row.projects), 0)).toBe(PROJECTS);
    } finally {
      await client.end();
    }
  });
});
