// Small statistics for the bench: every figure is the median of its runs.

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0..100) by nearest rank; NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The median of each numeric field over a list of runs with the same fields. */
export function medianOfRuns<T extends Record<string, number>>(runs: T[]): T {
  const result = {} as Record<string, number>;
  for (const key of Object.keys(runs[0] ?? {})) result[key] = median(runs.map((run) => run[key]!));
  return result as T;
}

export function round(n: number, digits = 2): number {
  return Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n;
}
