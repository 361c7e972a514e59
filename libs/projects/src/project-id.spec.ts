import { isProjectId } from '@td-sync/storage';
import { newProjectId, pickFreshId } from './project-id';

describe('newProjectId', () => {
  it('is p_ and 16 lower-case hex, accepted by isProjectId', () => {
    for (let i = 0; i < 100; i++) {
      const id = newProjectId();
      expect(id).toMatch(/^p_[0-9a-f]{16}$/);
      expect(isProjectId(id)).toBe(true);
    }
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, newProjectId));
    expect(ids.size).toBe(1000);
  });
});

describe('pickFreshId', () => {
  it('returns the first id not taken', async () => {
    const candidates = ['p_0000000000000001', 'p_0000000000000002', 'p_0000000000000003'];
    const taken = new Set(candidates.slice(0, 2));
    await expect(pickFreshId(() => candidates.shift()!, async (id) => taken.has(id))).resolves.toBe('p_0000000000000003');
  });

  it('gives up after the given number of attempts instead of looping forever', async () => {
    let calls = 0;
    await expect(pickFreshId(() => `p_${String(++calls).padStart(16, '0')}`, async () => true, 3)).rejects.toThrow(/no free project id/);
    expect(calls).toBe(3);
  });
});
