import { describeExpiry } from './expiry';
import { serverHostOf } from './server-host';

describe('describeExpiry', () => {
  const now = new Date('2026-01-31T08:15:30.000Z');

  it('gives the UTC time and the whole minutes left, rounded up', () => {
    expect(describeExpiry('2026-01-31T08:30:30.000Z', now)).toBe('at 08:30 UTC, in 15 minutes');
    expect(describeExpiry('2026-01-31T08:16:00.000Z', now)).toBe('at 08:16 UTC, in 1 minute');
  });

  it('never says zero minutes for a request that is still valid', () => {
    expect(describeExpiry('2026-01-31T08:15:31.000Z', now)).toBe('at 08:15 UTC, in 1 minute');
  });
});

describe('serverHostOf', () => {
  it('keeps a port that is not the default, and drops the path', () => {
    expect(serverHostOf('https://sync.example.com')).toBe('sync.example.com');
    expect(serverHostOf('http://localhost:9090/td')).toBe('localhost:9090');
  });
});
