import { Clock } from '@td-sync/http';
import type { TestServer } from './test-server';

/**
 * Moves the server's auth clock `ms` into the future (from now on, until
 * jest.restoreAllMocks()), so specs check 15-minute and one-year expiries
 * without waiting for them.
 */
export function travelForward(server: TestServer, ms: number): void {
  const clock = server.app.get(Clock);
  jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + ms));
}
