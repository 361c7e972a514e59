import { residentMemoryBytes } from './process-resident-memory';

const onLinux = process.platform === 'linux' ? it : it.skip;

describe('residentMemoryBytes', () => {
  onLinux("reads a process's resident memory from /proc: for this one, what Node reports", () => {
    const before = process.memoryUsage().rss;
    const read = residentMemoryBytes(process.pid);
    const after = process.memoryUsage().rss;
    expect(read).toBeGreaterThanOrEqual(Math.min(before, after) - 4 * 1024 * 1024);
    expect(read).toBeLessThanOrEqual(Math.max(before, after) + 4 * 1024 * 1024);
  });

  it('is undefined for a process that does not exist', () => {
    expect(residentMemoryBytes(0x7fffffff)).toBeUndefined();
  });
});
