import { cpuMs, openFds, resetPeakRss, statusKb } from './proc-stats.mjs';

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
      this.#stats.set(pid, { hwmReset: resetPeakRss(pid), startRssKb: statusKb(pid, 'VmRSS'), maxRssKb: NaN, maxFds: NaN, startCpuMs: cpuMs(pid) });
    }
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
  }

  /** Per pid, in the order given: { peak_rss_mb, start_rss_mb, peak_fds, cpu_ms }. */
  stop() {
    clearInterval(this.#timer);
    this.#sample();
    return this.#pids.map((pid) => {
      const s = this.#stats.get(pid);
      const peakKb = s.hwmReset ? larger(statusKb(pid, 'VmHWM'), s.maxRssKb) : s.maxRssKb;
      return { peak_rss_mb: mb(peakKb), start_rss_mb: mb(s.startRssKb), peak_fds: s.maxFds, cpu_ms: cpuMs(pid) - s.startCpuMs };
    });
  }

  #sample() {
    for (const pid of this.#pids) {
      const s = this.#stats.get(pid);
      s.maxRssKb = larger(s.maxRssKb, statusKb(pid, 'VmRSS'));
      s.maxFds = larger(s.maxFds, openFds(pid));
    }
  }
}
