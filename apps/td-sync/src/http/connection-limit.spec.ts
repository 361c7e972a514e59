import { projectDatabaseBudget } from '@td-sync/storage';
import { connectionLimitFor } from './connection-limit';

/** The default cap at a descriptor limit, as create-app derives it. */
const capAt = (descriptors: number) => connectionLimitFor(projectDatabaseBudget(descriptors, 256).reserve);

describe('connectionLimitFor', () => {
  it.each([
    [1024, 224],
    [256, 64],
    [100, 64],
    [4096, 992],
    [65_536, 1024],
    [Number.MAX_SAFE_INTEGER, 1024],
  ])('allows %d descriptors %d connections', (descriptors, connections) => {
    expect(capAt(descriptors)).toBe(connections);
  });

  it('keeps sockets within what the project databases leave free, with room for the rest', () => {
    for (const descriptors of [128, 256, 512, 1024, 2048, 4096]) {
      const { reserve } = projectDatabaseBudget(descriptors, 256);
      expect(capAt(descriptors)).toBeLessThanOrEqual(reserve - 32);
    }
  });
});
