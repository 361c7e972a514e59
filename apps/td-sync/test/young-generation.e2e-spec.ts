import { rmSync } from 'node:fs';
import { SEMI_SPACE_CAP_MIB } from '../src/startup/young-generation-cap';
import { http } from './support/http';
import { loginViaUserCode } from './support/login';
import { parsePrometheusText, sampleValue } from './support/prometheus-text';
import { spawnServer, SpawnedServer } from './support/spawned-server';
import { makeEvents } from './support/sync';

const MIB = 1024 * 1024;

/**
 * The serving process's young generation (startup/young-generation-cap.ts),
 * as its own /metrics reports it (prom-client's heap space gauges): V8 would
 * take it to 32 MiB while the server starts and keep it there; td-sync's
 * stays within two semi-spaces of SEMI_SPACE_CAP_MIB, yet grows under load
 * once the server is up (a young generation held small for good would cost
 * throughput).
 */
describe('young generation of the built server', () => {
  let server: SpawnedServer | undefined;

  afterEach(async () => {
    if (!server) return;
    if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
    await server.exited;
    rmSync(server.dataDir, { recursive: true, force: true });
    server = undefined;
  });

  const newSpaceBytes = async (url: string): Promise<number> => {
    const metrics = await http<string>(url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    return sampleValue(parsePrometheusText(metrics.text), 'nodejs_heap_space_size_total_bytes', { space: 'new' });
  };

  it('stays within its cap through start and 1000-event pushes, and grows once serving', async () => {
    server = await spawnServer({ env: { SYNC_CODE_LOGIN: 'direct', SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_OTHER: '0' } });
    const cap = 2 * SEMI_SPACE_CAP_MIB * MIB;
    expect(await newSpaceBytes(server.url)).toBeLessThanOrEqual(cap);

    const { apiKey } = await loginViaUserCode(server, 'young@example.com');
    const project = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey, body: { name: 'young generation', description: '' } });
    expect(project.status).toBe(201);
    // Four clients, each pushing 1000-event batches in turn: many objects survive each scavenge, which is what makes V8 grow the space.
    await Promise.all(
      [0, 1, 2, 3].map(async (client) => {
        for (let batch = 0; batch < 6; batch++) {
          const events = makeEvents(1 + batch * 1000, 1000).map((event) => ({ ...event, payload: { ...event.payload, note: 'x'.repeat(400) } }));
          const answer = await http<{ accepted: number }>(server!.url, 'POST', `/v1/projects/${project.body.id}/sync/push`, {
            apiKey,
            body: { device_id: `device-${client}`, session_id: 'session', events },
          });
          expect(answer.status).toBe(200);
          expect(answer.body.accepted).toBe(1000);
        }
      }),
    );

    const loaded = await newSpaceBytes(server.url);
    expect(loaded).toBeLessThanOrEqual(cap);
    // Held at V8's starting size (1 MiB per semi-space) during the start, released after it.
    expect(loaded).toBeGreaterThan(2 * MIB);
  });
});
