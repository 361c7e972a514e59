import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Each semi-space of the serving process's young generation stays at this
 * many MiB (V8 lets it reach 16, so the new space 32 MiB, the moment a burst
 * of allocation makes it grow, and keeps it there). At 8 it costs a few more
 * scavenges, each one no longer (they copy survivors, not the space), and
 * frees 16 MiB of resident memory for good, plus the ArrayBuffers of request
 * bodies and socket reads, which only a scavenge of their wrappers releases
 * and which pile up between two scavenges (docs/performance.md, memory).
 */
export const SEMI_SPACE_CAP_MIB = 8;

const MIB = 1024 * 1024;

/** The new space's capacity (both semi-spaces), in bytes. */
export function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Keeps V8's young generation at most `capMiB` per semi-space, from inside the
 * process, so that whatever starts it (`npm start`, the image, `td-sync`, a
 * test or the benchmark running `node main.js`) gets the same bound: the
 * equivalent `--max-semi-space-size` flag exists only on the command line.
 *
 * V8 grows the young generation in steps (doubling it when many objects
 * survive a scavenge, up to the maximum it fixed at start) and reads its
 * growth factor at each step. So: from `hold()` on, the factor is 1 (no
 * growth) while the server starts, which allocates in long synchronous
 * stretches; `release()` then lets it double again, and after every
 * collection sets the factor back to 1 once the cap is reached, or to 2 if V8
 * has shrunk the space since (it does when the allocation rate drops). A
 * collection can only grow the space one step, and the observer runs between
 * two tasks, so the cap is exceeded only if one task allocates through two
 * growth steps near it (then by one step, until V8 next shrinks the space).
 */
export class YoungGenerationCap {
  private observer: PerformanceObserver | undefined;
  private growing: boolean | undefined;

  constructor(private readonly capMiB: number = SEMI_SPACE_CAP_MIB) {}

  /** No growth from now on (for the start). */
  hold(): this {
    this.allowGrowth(false);
    return this;
  }

  /** Growth up to the cap, re-checked after every collection. */
  release(): this {
    this.adjust();
    this.observer ??= new PerformanceObserver(() => this.adjust());
    this.observer.observe({ entryTypes: ['gc'] });
    return this;
  }

  /** Stops governing and restores V8's default growth factor. */
  stop(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    this.allowGrowth(true);
  }

  private adjust(): void {
    // Below the cap by at least one doubling: one more step stays within it.
    this.allowGrowth(newSpaceBytes() <= this.capMiB * MIB);
  }

  private allowGrowth(grow: boolean): void {
    if (grow === this.growing) return;
    this.growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
  }
}
