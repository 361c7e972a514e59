/** How results are shown: progress lines on stderr, then a table (or JSON) on stdout. */
import { cpus, totalmem } from 'node:os';

export const progress = (...parts) => process.stderr.write(parts.join(' ') + '\n');

export function machine() {
  const list = cpus();
  return { cpu: list[0]?.model ?? 'unknown', cores: list.length, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
}

const cell = (value) => (value === null || value === undefined || Number.isNaN(value) ? '-' : String(value));

/** The table's columns, in order: the JSON field each shows and its heading. */
const COLUMNS = [
  ['scenario', 'scenario'],
  ['events_per_s', 'events_per_s'],
  ['requests_per_s', 'requests_per_s'],
  ['p50_ms', 'p50_ms'],
  ['p99_ms', 'p99_ms'],
  ['p99_over_p50', 'p99/p50'],
  ['max_ms', 'max_ms'],
  ['errors', 'errors'],
  ['peak_rss_mb', 'peak_rss_mb'],
  ['peak_fds', 'peak_fds'],
  ['cpu_ms_per_answer', 'cpu_ms/answer'],
  ['helper_peak_rss_mb', 'helper_rss_mb'],
  ['helper_cpu_ms_per_answer', 'helper_cpu_ms/answer'],
];

function markdownTable(header, rows) {
  const all = [header, ...rows.map((row) => row.map(cell))];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row) => '| ' + row.map((text, i) => text.padEnd(widths[i])).join(' | ') + ' |';
  return [line(all[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...all.slice(1).map(line)].join('\n');
}

export function formatReport(report) {
  const m = report.machine;
  const lines = [`machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GiB, Node ${m.node} (${m.platform})`];
  const backend = report.postgres ? `postgres ${report.postgres.version} (embedded)` : 'sqlite';
  lines.push(`backend: ${backend}, ${report.nodes} node${report.nodes > 1 ? 's' : ''}, ${report.seconds_per_scenario} s of load per scenario${report.quick ? ' (quick)' : ''}`);
  lines.push(markdownTable(COLUMNS.map(([, heading]) => heading), report.results.map((r) => COLUMNS.map(([field]) => r[field]))));
  if (report.nodes > 1) {
    lines.push('', 'per node (requests as counted by the node itself):');
    const rows = report.results.flatMap((r) => r.per_node.map((n) => [r.key, n.node, n.requests, n.peak_rss_mb, n.peak_fds]));
    lines.push(markdownTable(['scenario', 'node', 'requests', 'peak_rss_mb', 'peak_fds'], rows));
  }
  return lines.join('\n');
}
