import { Clock } from '../clock';
import { FixedWindowStore } from './fixed-window-store';

class ManualClock extends Clock {
  time = 1_000_000;
  override now(): Date {
    return new Date(this.time);
  }
}

describe('FixedWindowStore', () => {
  const minute = 60_000;
  let clock: ManualClock;
  let store: FixedWindowStore;

  beforeEach(() => {
    clock = new ManualClock();
    store = new FixedWindowStore(clock);
  });

  it('lets the N-th request of a window through and blocks the N+1-th', async () => {
    for (let i = 1; i <= 3; i++) {
      expect(await store.increment('k', minute, 3)).toMatchObject({ totalHits: i, isBlocked: false });
    }
    expect(await store.increment('k', minute, 3)).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
  });

  it('reports the seconds left in the window, rounded up', async () => {
    await store.increment('k', minute, 1);
    clock.time += 59_001;
    expect(await store.increment('k', minute, 1)).toMatchObject({ isBlocked: true, timeToExpire: 1, timeToBlockExpire: 1 });
  });

  it('starts a fresh window once the old one has ended', async () => {
    await store.increment('k', minute, 1);
    expect((await store.increment('k', minute, 1)).isBlocked).toBe(true);
    clock.time += minute;
    expect(await store.increment('k', minute, 1)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('counts keys separately', async () => {
    await store.increment('a', minute, 1);
    expect((await store.increment('b', minute, 1)).isBlocked).toBe(false);
  });

  it('evicts stale buckets, so 100,000 distinct keys do not stay in memory', async () => {
    for (let i = 0; i < 100_000; i++) await store.increment(`key:${i}`, minute, 10);
    expect(store.size).toBe(100_000);
    clock.time += minute;
    await store.increment('key:new', minute, 10);
    expect(store.size).toBe(1);
  });
});
