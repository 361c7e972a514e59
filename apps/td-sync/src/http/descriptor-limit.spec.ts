import { execFileSync } from 'node:child_process';
import { connectionLimitFor, readDescriptorLimit } from './descriptor-limit';

describe('connectionLimitFor', () => {
  it.each([
    [1024, 224],
    [256, 64],
    [100, 64],
    [4096, 992],
    [65_536, 1024],
    [Number.MAX_SAFE_INTEGER, 1024],
  ])('allows %d descriptors %d connections', (descriptors, connections) => {
    expect(connectionLimitFor(descriptors)).toBe(connections);
  });

  it('always leaves the project databases three quarters of the descriptors, or all but 96', () => {
    for (const descriptors of [128, 256, 512, 1024, 2048, 4096]) {
      expect(connectionLimitFor(descriptors)).toBeLessThanOrEqual(Math.max(96, descriptors / 4) - 32);
    }
  });
});

describe('readDescriptorLimit', () => {
  it('reads the soft limit this process runs under', () => {
    const shell = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    expect(readDescriptorLimit()).toBe(shell === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(shell));
  });
});
