import { windowRecord } from './fixed-window-store';

describe('windowRecord', () => {
  const now = 1_000_000;

  it('lets the N-th hit of a window through and blocks the N+1-th, for the rest of the window', () => {
    expect(windowRecord({ hits: 3, endsAt: now + 60_000 }, now, 3)).toEqual({ totalHits: 3, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    expect(windowRecord({ hits: 4, endsAt: now + 60_000 }, now, 3)).toEqual({ totalHits: 4, timeToExpire: 60, isBlocked: true, timeToBlockExpire: 60 });
  });

  it('reports the seconds left in the window rounded up, and never less than 1', () => {
    expect(windowRecord({ hits: 2, endsAt: now + 999 }, now, 1)).toMatchObject({ timeToExpire: 1, timeToBlockExpire: 1 });
    expect(windowRecord({ hits: 2, endsAt: now + 1001 }, now, 1)).toMatchObject({ timeToExpire: 2, timeToBlockExpire: 2 });
    expect(windowRecord({ hits: 2, endsAt: now }, now, 1)).toMatchObject({ timeToExpire: 1 });
  });
});
