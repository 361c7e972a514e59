import { childPids, cpuMs, endedChildrenCpuMs, openFds, resetPeakRss, statusKb } from './proc-stats.mjs';

const mb = (kb) => Math.round(kb / 1024);
/** The larger of two readings, either of which may be NaN (unreadable). */
const larger = (a, b) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));

/**
 * Peak memory and peak open descriptors of some processes over one scenario's
 * load. Memory: the kernel's own peak (VmHWM, reset at the start), which sees
 * spikes between samples, or the sampled VmRSS maximum where the reset is not
 * permitted. Descriptors: the largest sampled count of /proc/<pid>/fd. CPU:
 * the time the process used in between, which other load on the machine
 * inflates far less than it deflates throughput.
 *
 * A server's child processes (td-sync's checkpoint process) are measured
 * too, as its helpers: their peak memory (summed, for those that ran at
 * once) and the CPU they used, those that ended meanwhile included.
 */
export class ProcessSampler {
  #pids;
  #intervalMs;
  #timer;
  #stats = new Map();

  constructor(pids, intervalMs = 100) {
    this.#pids = pids;
    this.#intervalMs = intervalMs;
  }

  start() {
    for (const pid of this.#pids) {
      this.#stats.set(pid, {
        hwmReset: resetPeakRss(pid),
        startRssKb: statusKb(pid, 'VmRSS'),
        maxRssKb: NaN,
        maxFds: NaN,
        startCpuMs: cpuMs(pid),
        startEndedChildrenCpuMs: endedChildrenCpuMs(pid),
        /** By child pid: { startCpuMs (0 for one started since), cpuMs, peakKb }. */
        children: new Map(),
        maxHelperRssKb: NaN,
      });
      for (const child of childPids(pid)) {
        resetPeakRss(child);
        this.#stats.get(pid).children.set(child, { startCpuMs: cpuMs(child), cpuMs: NaN, peakKb: NaN });
      }
    }
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
  }

  /**
   * Per pid, in the order given: { peak_rss_mb, start_rss_mb, peak_fds,
   * cpu_ms, helper_peak_rss_mb, helper_cpu_ms }.
   */
  stop() {
    clearInterval(this.#timer);
    this.#sample();
    return this.#pids.map((pid) => {
      const s = this.#stats.get(pid);
      const peakKb = s.hwmReset ? larger(statusKb(pid, 'VmHWM'), s.maxRssKb) : s.maxRssKb;
      // Children still running count from their own readings; those that ended, from the server's waited-for total.
      let helperCpuMs = endedChildrenCpuMs(pid) - s.startEndedChildrenCpuMs;
      for (const [child, c] of s.children) if (childPids(pid).includes(child)) helperCpuMs += cpuMs(child) - c.startCpuMs;
      return {
        peak_rss_mb: mb(peakKb),
        start_rss_mb: mb(s.startRssKb),
        peak_fds: s.maxFds,
        cpu_ms: cpuMs(pid) - s.startCpuMs,
        helper_peak_rss_mb: s.children.size === 0 ? 0 : mb(s.maxHelperRssKb),
        helper_cpu_ms: helperCpuMs,
      };
    });
  }

  #sample() {
    for (const pid of this.#pids) {
      const s = this.#stats.get(pid);
      s.maxRssKb = larger(s.maxRssKb, statusKb(pid, 'VmRSS'));
      s.maxFds = larger(s.maxFds, openFds(pid));
      let helpersKb = 0;
      for (const child of childPids(pid)) {
        let c = s.children.get(child);
        if (!c) s.children.set(child, (c = { startCpuMs: 0, cpuMs: NaN, peakKb: NaN }));
        // VmHWM: the child's peak since it started or since the reset at start() (both within this scenario).
        c.peakKb = larger(c.peakKb, larger(statusKb(child, 'VmHWM'), statusKb(child, 'VmRSS')));
        helpersKb += Number.isNaN(c.peakKb) ? 0 : c.peakKb;
      }
      s.maxHelperRssKb = larger(s.maxHelperRssKb, helpersKb);
    }
  }
}
