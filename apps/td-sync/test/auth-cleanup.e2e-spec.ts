import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AuthRequestCleanup, AUTH_REQUEST_CLEANUP_JOB } from '@td-sync/auth/login/auth-request-cleanup';
import { AuthRequest } from '@td-sync/storage';
import { DataSource } from 'typeorm';
import { http } from './support/http';
import { newPkcePair, submitUserCode } from './support/login';
import { startTestServer, TestServer } from './support/test-server';
import { travelForward } from './support/time-travel';

const NO_RATE_LIMITS = { SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_AUTH_POLL: '0' };
const MINUTE = 60 * 1000;

describe('the expired auth request cleanup job', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer({ ...NO_RATE_LIMITS, SYNC_CODE_LOGIN: 'direct' }); // a typed code alone verifies a request
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await server.close();
  });

  const requests = () => server.app.get(DataSource).getRepository(AuthRequest);

  it('is scheduled every 5 minutes', () => {
    // The registry holds the live Node timer; Node keeps a repeating timer's period in `_repeat`.
    const interval = server.app.get(SchedulerRegistry).getInterval(AUTH_REQUEST_CLEANUP_JOB) as NodeJS.Timeout & { _repeat: number | null };
    expect(interval._repeat).toBe(5 * MINUTE);
  });

  it('purges expired requests of both flows, in every state, and keeps live ones', async () => {
    const typed = await http<{ device_code: string; user_code: string }>(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'old@example.com' } });
    await submitUserCode(server, typed.body.user_code);
    const pkce = newPkcePair();
    await http(server.url, 'POST', '/v1/auth/device/start', { body: { email: 'old@example.com', code_challenge: pkce.challenge, code_challenge_method: 'S256' } });
    expect(await requests().count()).toBe(2);

    travelForward(server, 10 * MINUTE);
    await http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'fresh@example.com' } });
    travelForward(server, 16 * MINUTE);
    await server.app.get(AuthRequestCleanup).run();

    const left = await requests().find();
    expect(left.map((r) => r.email)).toEqual(['fresh@example.com']);
    // Once purged, the device code is simply unknown.
    expect((await http(server.url, 'POST', '/v1/auth/login/poll', { body: { device_code: typed.body.device_code } })).status).toBe(404);
  });

  it('never throws: a failed run logs a warning and the next run works again', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const cleanup = server.app.get(AuthRequestCleanup);
    const db = server.app.get(DataSource);
    await http(server.url, 'POST', '/v1/auth/login/start', { body: { email: 'stale@example.com' } });
    travelForward(server, 16 * MINUTE);

    // A real fault: the table is briefly not there.
    await db.query('ALTER TABLE auth_requests RENAME TO auth_requests_away');
    await expect(cleanup.run()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('no such table'));

    await db.query('ALTER TABLE auth_requests_away RENAME TO auth_requests');
    await expect(cleanup.run()).resolves.toBeUndefined();
    expect(await requests().count()).toBe(0);
  });

  it('does not throw once the database is closed', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await server.app.get(DataSource).destroy();
    await expect(server.app.get(AuthRequestCleanup).run()).resolves.toBeUndefined();
  });
});
