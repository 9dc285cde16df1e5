// Just enough of the Prometheus text format (and OpenMetrics) to read histograms from /metrics,
// and Prometheus's histogram_quantile to turn bucket counts into a p95.
//
// Hand-written because the small npm parsers do not fit: the best known one drops _sum and
// _count when series carry labels (ours all carry `service`) and does not know OpenMetrics
// exemplars (`... 3 # {trace_id="..."} 0.3`), which the services may serve.

export interface SeriesSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of an exposition; comments, metadata and exemplars are skipped. */
export function parseExposition(text: string): SeriesSample[] {
  const samples: SeriesSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(stripExemplar(line));
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
      if (key !== undefined && value !== undefined) labels[key] = value.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1], labels, value: parseValue(match[3]) });
  }
  return samples;
}

// An exemplar follows " # " after the value; a label value may contain " # " too, so cut only
// after the closing brace of the label set.
function stripExemplar(line: string): string {
  const from = line.lastIndexOf('}') + 1;
  const hash = line.indexOf(' # ', from);
  return hash === -1 ? line : line.slice(0, hash);
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** One histogram: cumulative bucket counts by upper bound (ascending, ending in +Inf). */
export interface Histogram {
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** The histogram `name` from parsed samples (all label sets other than `le` added together). */
export function histogramOf(samples: SeriesSample[], name: string): Histogram | undefined {
  const byBound = new Map<number, number>();
  let sum = 0;
  let count = 0;
  let found = false;
  for (const s of samples) {
    if (s.name === `${name}_bucket` && s.labels.le !== undefined) {
      const le = parseValue(s.labels.le);
      byBound.set(le, (byBound.get(le) ?? 0) + s.value);
      found = true;
    } else if (s.name === `${name}_sum`) {
      sum += s.value;
    } else if (s.name === `${name}_count`) {
      count += s.value;
    }
  }
  if (!found) return undefined;
  const buckets = [...byBound].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  return { buckets, sum, count };
}

/** What was observed between two scrapes of the same histogram (like Prometheus's increase()). */
export function histogramDelta(before: Histogram, after: Histogram): Histogram {
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * The q-quantile the way Prometheus's histogram_quantile estimates it: find the bucket holding
 * rank q × count and interpolate linearly inside it. NaN without observations. A quantile
 * that falls in the +Inf bucket is reported as the largest finite bound.
 */
export function histogramQuantile(q: number, h: Histogram): number {
  const total = h.buckets.at(-1)?.count ?? 0;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of h.buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerBound;
      return lowerBound + (le - lowerBound) * ((rank - lowerCount) / Math.max(count - lowerCount, 1e-9));
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** Mean of the observations (sum / count); NaN without observations. */
export const histogramMean = (h: Histogram): number => (h.count > 0 ? h.sum / h.count : NaN);
