// Quantiles of the durations seen in the last seconds (queue wait, processing, end to end), true to
// within 1%: what /status, the browser view and `npm run watch` show, where interpolating inside a
// Prometheus bucket (10–30 s) once made a 10 s wait read 28 s.
//
// A sketch with a relative-error guarantee (DDSketch, Masson et al., VLDB 2019): a value v is
// counted in bucket i = ceil(log_γ v) with γ = (1 + α) / (1 − α), and a bucket answers with
// 2γ^i / (γ + 1), which is within α of every value it holds. With α = 1% a quantile is off by at
// most 1% of the true one, whatever the distribution; memory is one count per bucket in use (a
// few hundred between 1 µs and 1 hour), not one per value. The window slides by whole seconds:
// it covers the current second and the WINDOW complete ones before it.

export const RELATIVE_ERROR = 0.01;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Durations below this (1 µs) are counted as 0. */
const SMALLEST = 1e-6;
const ZERO = Number.MIN_SAFE_INTEGER;

/** Counts per bucket index: what is merged across seconds and across instances. */
export type SketchCounts = Map<number, number>;

export interface LatencySummary {
  count: number;
  /** Seconds; null when nothing was seen in the window. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

const bucketOf = (seconds: number) => (seconds < SMALLEST ? ZERO : Math.ceil(Math.log(seconds) / LOG_GAMMA));
const representativeOf = (bucket: number) => (bucket === ZERO ? 0 : (2 * GAMMA ** bucket) / (GAMMA + 1));

/** The q-quantile (0…1) of the counted values, in seconds, within RELATIVE_ERROR; null when empty. */
export function quantileOf(counts: SketchCounts, q: number): number | null {
  let total = 0;
  for (const n of counts.values()) total += n;
  if (total === 0) return null;
  const rank = q * (total - 1); // 0-based, as numpy's default quantile ranks
  let seen = 0;
  for (const [bucket, n] of [...counts].sort(([a], [b]) => a - b)) {
    seen += n;
    if (seen > rank) return representativeOf(bucket);
  }
  return representativeOf(Math.max(...counts.keys()));
}

export function mergeInto(target: SketchCounts, source: Iterable<[number, number]>): SketchCounts {
  for (const [bucket, n] of source) target.set(bucket, (target.get(bucket) ?? 0) + n);
  return target;
}

/** 4 significant digits: more than the sketch knows. */
const significant = (n: number | null) => (n === null ? null : Number(n.toPrecision(4)));

export function summarize(counts: SketchCounts, max: number | null): LatencySummary {
  let count = 0;
  for (const n of counts.values()) count += n;
  return {
    count,
    p50: significant(quantileOf(counts, 0.5)),
    p95: significant(quantileOf(counts, 0.95)),
    p99: significant(quantileOf(counts, 0.99)),
    max: significant(max),
  };
}

export class LatencyWindow {
  private readonly seconds: { second: number; counts: SketchCounts; max: number }[] = [];

  constructor(readonly windowSeconds = 10) {}

  record(seconds: number): void {
    const now = Math.floor(performance.now() / 1000);
    let current = this.seconds.at(-1);
    if (current?.second !== now) {
      current = { second: now, counts: new Map(), max: 0 };
      this.seconds.push(current);
    }
    const bucket = bucketOf(Math.max(0, seconds));
    current.counts.set(bucket, (current.counts.get(bucket) ?? 0) + 1);
    current.max = Math.max(current.max, seconds);
    this.forgetOld(now);
  }

  /** Every bucket's count over the window: to merge the instances of a fleet. */
  counts(): SketchCounts {
    this.forgetOld(Math.floor(performance.now() / 1000));
    const merged: SketchCounts = new Map();
    for (const s of this.seconds) mergeInto(merged, s.counts);
    return merged;
  }

  summary(): LatencySummary {
    const counts = this.counts();
    return summarize(counts, this.seconds.length ? Math.max(...this.seconds.map((s) => s.max)) : null);
  }

  private forgetOld(now: number): void {
    while ((this.seconds[0]?.second ?? now) < now - this.windowSeconds) this.seconds.shift();
  }
}
