import { rmSync } from 'node:fs';
import { expectError, http } from './support/http';
import { loginViaUserCode } from './support/login';
import { bodyBytesInFlight, pushBodyHeldBack } from './support/body-held-back';
import type { RawConnection } from './support/raw-connection';
import { spawnServer, SpawnedServer } from './support/spawned-server';

/**
 * PROTOCOL.md, Push, for large bodies: the built server validates a push body
 * of 64 KiB or more on its scan thread (PushRequestParser) when other request
 * bodies are in flight, and on the event loop when it is the only one. The
 * thread only exists as built (the in-process specs run from the TypeScript
 * sources and scan on the event loop). The answers must be the same, byte for
 * byte in the stored payloads, and a stranger still gets 403/404 before a 400.
 */

function pushBody(session: string, count: number): string {
  const events = Array.from({ length: count }, (_, i) => ({
    client_action_id: i + 1,
    action_type: 'update',
    entity_type: 'issues',
    entity_id: `td-${i}`,
    // Spelled as a client wrote it: key order, spacing and escapes are kept.
    payload: `{"title":"issue ${i} \\u00e9t\\u00e9 ${'x'.repeat(700)}", "n" : ${i}.0, "z":[1,null]}`,
    client_timestamp: '2026-12-03T10:00:00Z',
  }));
  const array = events.map((event) => JSON.stringify({ ...event, payload: 0 }).replace('"payload":0', `"payload":${event.payload}`)).join(',');
  return `{"device_id":"large-device","session_id":"${session}","events":[${array}]}`;
}

describe('large pushes on the scan thread (built server)', () => {
  let server: SpawnedServer;
  let apiKey: string;
  let projectId: string;

  beforeAll(async () => {
    server = await spawnServer({ env: { SYNC_CODE_LOGIN: 'direct', SYNC_RATE_LIMIT_AUTH: '0' } });
    ({ apiKey } = await loginViaUserCode(server, 'large@example.com'));
    const project = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: 'large' } });
    projectId = project.body.id;
  });
  afterAll(async () => {
    server.process.kill('SIGTERM');
    await server.exited;
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  /** td_sync_push_scans_total on `on`. */
  async function scans(on: string): Promise<number> {
    const metrics = await http<string>(server.url, 'GET', '/metrics');
    return Number(new RegExp(`^td_sync_push_scans_total\\{on="${on}"\\} (\\d+)$`, 'm').exec(metrics.text)?.[1]);
  }

  it('scans a large push that is the only body in flight on the event loop', async () => {
    const alone = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: 'alone' } });
    expect(await bodyBytesInFlight(server.url)).toBe(0);
    const pushed = await http<{ accepted: number }>(server.url, 'POST', `/v1/projects/${alone.body.id}/sync/push`, { apiKey, body: pushBody('s0', 200) });
    expect(pushed.status).toBe(200);
    expect(pushed.body.accepted).toBe(200);
    expect({ thread: await scans('scan_thread'), loop: await scans('event_loop') }).toEqual({ thread: 0, loop: 1 });
    expect(await bodyBytesInFlight(server.url)).toBe(0);
  });

  describe('with another body in flight', () => {
    let held: RawConnection;
    beforeAll(async () => {
      held = await pushBodyHeldBack(server.url, apiKey, projectId, 5000);
    });
    afterAll(() => held.destroy());

    it('stores a 1000-event push validated on the scan thread, payloads as spelled', async () => {
      const body = pushBody('s1', 1000);
      expect(Buffer.byteLength(body)).toBeGreaterThan(700_000);
      const pushed = await http<{ accepted: number; acks: Array<{ client_action_id: number; server_seq: number }> }>(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey, body });
      expect(pushed.status).toBe(200);
      expect(pushed.body.accepted).toBe(1000);
      expect(pushed.body.acks[999]).toEqual({ client_action_id: 1000, server_seq: 1000 });
      expect(await scans('scan_thread')).toBe(1);

      const pulled = await http<string>(server.url, 'GET', `/v1/projects/${projectId}/sync/pull?after_server_seq=0&limit=1000`, { apiKey });
      expect(pulled.status).toBe(200);
      expect(pulled.text).toContain(`"payload":{"title":"issue 999 \\u00e9t\\u00e9 ${'x'.repeat(700)}", "n" : 999.0, "z":[1,null]}`);

      // The same batch again: every event a duplicate with its stored seq.
      const again = await http<{ accepted: number; rejected: Array<{ client_action_id: number; reason: string; server_seq: number }> }>(
        server.url,
        'POST',
        `/v1/projects/${projectId}/sync/push`,
        { apiKey, body },
      );
      expect({ status: again.status, accepted: again.body.accepted, count: again.body.rejected.length }).toEqual({ status: 200, accepted: 0, count: 1000 });
      expect(again.body.rejected[999]).toEqual({ client_action_id: 1000, reason: 'duplicate', server_seq: 1000 });
    });

    it('answers a large malformed push with the 400 of a small one, and a stranger with 403 first', async () => {
      const broken = `${pushBody('s2', 200).slice(0, -2)},]}`;
      const refused = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey, body: broken });
      expectError(refused, 400, 'bad_request');
      expect((refused.body as { message: string }).message).toBe('request body is not valid JSON');

      const tooMany = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey, body: pushBody('s3', 1001) });
      expectError(tooMany, 400, 'bad_request');
      expect((tooMany.body as { message: string }).message).toBe('too many events: 1001 (at most 1000 per push)');

      const stranger = await loginViaUserCode(server, 'stranger@example.com');
      const strangers = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: stranger.apiKey, body: broken });
      expectError(strangers, 403, 'forbidden');

      // Small bodies stay on the event loop.
      const small = await http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey, body: pushBody('s4', 2) });
      expect(small.status).toBe(200);
      expect({ thread: await scans('scan_thread'), loop: await scans('event_loop') }).toEqual({ thread: 5, loop: 2 });
    });
  });
});
