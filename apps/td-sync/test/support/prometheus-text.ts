/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4),
 * for specs of GET /metrics: prom-client has no public parser, and a scrape
 * that Prometheus would refuse must fail the spec, not pass it. It checks
 * what Prometheus checks (names, label syntax and escapes, values, one TYPE
 * per family before its samples, families not interleaved, no repeated
 * series) and what makes a histogram one (cumulative buckets ending at +Inf,
 * equal to _count).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: `x_bucket`, `x_sum`, `x_count` for a histogram `x`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: ['', '_total'],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/** Every family of the text, by name; throws, naming the line, on anything Prometheus would refuse. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, MetricFamily>();
  const finished = new Set<string>();
  let current: MetricFamily | undefined;
  const seriesSeen = new Set<string>();
  const typed = new Set<string>();

  const familyFor = (name: string, line: number): MetricFamily => {
    if (current && current.name !== name) {
      finished.add(current.name);
      current = undefined;
    }
    if (finished.has(name)) throw new Error(`line ${line}: metric family ${name} appears again after another family`);
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: undefined, samples: [] };
      families.set(name, family);
    }
    current = family;
    return family;
  };

  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!match) return; // a plain comment
      const [, keyword, name, rest = ''] = match;
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: invalid metric name ${name}`);
      const family = familyFor(name, line);
      if (keyword === 'HELP') {
        if (family.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        family.help = unescape(rest, false, line);
      } else {
        if (!TYPES.includes(rest.trim() as MetricType)) throw new Error(`line ${line}: unknown TYPE ${rest} for ${name}`);
        if (family.samples.length > 0) throw new Error(`line ${line}: TYPE for ${name} after its samples`);
        if (typed.has(name)) throw new Error(`line ${line}: second TYPE for ${name}`);
        typed.add(name);
        family.type = rest.trim() as MetricType;
      }
      return;
    }
    const sample = parseSampleLine(raw, line);
    const familyName = familyNameOf(sample.name, current);
    const family = familyFor(familyName, line);
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seriesSeen.has(series)) throw new Error(`line ${line}: series ${series} appears twice`);
    seriesSeen.add(series);
    family.samples.push(sample);
  });
  for (const family of families.values()) checkFamily(family);
  return families;
}

/** The family a sample belongs to: the current one when its name is one of that family's sample names. */
function familyNameOf(sampleName: string, current: MetricFamily | undefined): string {
  if (current && SUFFIXES[current.type].some((suffix) => sampleName === current.name + suffix)) return current.name;
  return sampleName;
}

function parseSampleLine(raw: string, line: number): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
  if (!nameMatch) throw new Error(`line ${line}: no metric name in ${JSON.stringify(raw)}`);
  const name = nameMatch[0];
  let rest = raw.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    let i = 1;
    while (rest[i] !== '}') {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest.slice(i));
      if (!labelMatch) throw new Error(`line ${line}: malformed label at ${JSON.stringify(rest.slice(i))}`);
      const labelName = labelMatch[1];
      if (!LABEL_NAME.test(labelName) || labelName.startsWith('__')) throw new Error(`line ${line}: invalid label name ${labelName}`);
      if (labelName in labels) throw new Error(`line ${line}: label ${labelName} repeated`);
      i += labelMatch[0].length;
      let value = '';
      for (;;) {
        const c = rest[i];
        if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const next = rest[i + 1];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`line ${line}: invalid escape \\${next ?? ''} in a label value`);
          i += 2;
        } else {
          value += c;
          i += 1;
        }
      }
      labels[labelName] = value;
      i += 1; // the closing quote
      if (rest[i] === ',') i += 1;
      else if (rest[i] !== '}') throw new Error(`line ${line}: expected , or } after label ${labelName}`);
    }
    rest = rest.slice(i + 1);
  }
  const parts = rest.trim().split(/\s+/);
  if (!/^\s/.test(rest) || parts.length < 1 || parts.length > 2) throw new Error(`line ${line}: expected a value (and an optional timestamp) in ${JSON.stringify(raw)}`);
  const value = parseValue(parts[0], line);
  if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: invalid timestamp ${parts[1]}`);
  return { name, labels, value };
}

/**
 * A value as Go's strconv.ParseFloat reads it, which is what Prometheus
 * uses: decimal floats, and Inf, Infinity and NaN in any case, with a sign
 * (prom-client writes "Nan").
 */
function parseValue(text: string, line: number): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: invalid value ${text}`);
  return Number(text);
}

function unescape(text: string, quotes: boolean, line: number): string {
  return text.replace(/\\(.)/g, (_whole, c: string) => {
    if (c === 'n') return '\n';
    if (c === '\\' || (quotes && c === '"')) return c;
    throw new Error(`line ${line}: invalid escape \\${c}`);
  });
}

function checkFamily(family: MetricFamily): void {
  for (const sample of family.samples) {
    if (!SUFFIXES[family.type].some((suffix) => sample.name === family.name + suffix)) {
      throw new Error(`sample ${sample.name} does not belong to ${family.type} ${family.name}`);
    }
    if (family.type === 'counter' && !(sample.value >= 0)) throw new Error(`counter ${sample.name} is ${sample.value}`);
  }
  if (family.type === 'histogram') checkHistogram(family);
}

/** Per label set: buckets cumulative in `le` order, the last one +Inf, equal to _count; _sum present. */
function checkHistogram(family: MetricFamily): void {
  const bySeries = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const series = bySeries.get(key) ?? { buckets: [] };
    bySeries.set(key, series);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${sample.name} has no le label`);
      series.buckets.push([parseValue(le, 0), sample.value]);
    } else if (sample.name.endsWith('_count')) series.count = sample.value;
    else series.sum = sample.value;
  }
  for (const [key, series] of bySeries) {
    const sorted = [...series.buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.length === 0 || sorted[sorted.length - 1][0] !== Infinity) throw new Error(`histogram ${family.name}${key} has no +Inf bucket`);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i][1] < sorted[i - 1][1]) throw new Error(`histogram ${family.name}${key}: bucket le=${sorted[i][0]} is below le=${sorted[i - 1][0]}`);
    }
    if (series.count !== sorted[sorted.length - 1][1]) throw new Error(`histogram ${family.name}${key}: _count ${series.count} is not the +Inf bucket ${sorted[sorted.length - 1][1]}`);
    if (series.sum === undefined) throw new Error(`histogram ${family.name}${key} has no _sum`);
  }
}

/** The value of the one sample of `family` named `sampleName` (default: the family's name) whose labels include `labels`. */
export function sampleValue(families: Map<string, MetricFamily>, family: string, labels: Record<string, string> = {}, sampleName = family): number {
  const found = families.get(family)?.samples.filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
  if (found.length !== 1) throw new Error(`expected one ${sampleName}${JSON.stringify(labels)} sample, found ${found.length}`);
  return found[0].value;
}
