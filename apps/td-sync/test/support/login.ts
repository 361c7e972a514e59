import { createHash, randomBytes } from 'node:crypto';
import { http } from './http';
import type { TestServer } from './test-server';

export interface LoggedIn {
  apiKey: string;
  userId: string;
  email: string;
}

/**
 * Logs `email` in through the typed-code flow over HTTP, as an older td
 * release does: start → submit the code on the verify page → poll. The
 * account is created on first login (signups must be on, or the user exist).
 * Three of the requests count against the `auth` rate limit (10/min per IP):
 * specs that log in many users should start their server with
 * SYNC_RATE_LIMIT_AUTH=0.
 */
export async function loginViaUserCode(server: Pick<TestServer, 'url'>, email: string): Promise<LoggedIn> {
  const start = await http<{ device_code: string; user_code: string }>(server.url, 'POST', '/v1/auth/login/start', { body: { email } });
  if (start.status !== 200) throw new Error(`login start for ${email} answered ${start.status}: ${start.text}`);

  const verified = await submitUserCode(server, start.body.user_code);
  if (!verified.text.includes('Device connected')) throw new Error(`verifying the code for ${email} failed: ${verified.text}`);

  const poll = await http<{ status: string; api_key: string; user_id: string; email: string }>(server.url, 'POST', '/v1/auth/login/poll', {
    body: { device_code: start.body.device_code },
  });
  if (poll.status !== 200 || poll.body.status !== 'complete') throw new Error(`login poll for ${email} answered ${poll.status}: ${poll.text}`);
  return { apiKey: poll.body.api_key, userId: poll.body.user_id, email: poll.body.email };
}

/** POST /auth/verify as the page's form sends it. */
export function submitUserCode(server: Pick<TestServer, 'url'>, userCode: string) {
  return http<string>(server.url, 'POST', '/auth/verify', {
    body: new URLSearchParams({ user_code: userCode }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

export interface PkcePair {
  verifier: string;
  challenge: string;
}

/** What td generates: 32 random bytes as base64url, and base64url(SHA-256(verifier)). */
export function newPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
