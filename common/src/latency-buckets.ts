// The bucket bounds of every duration histogram the consumer exports (queue wait, processing, end
// to end): 1 ms × 1.25^k up to 10 min and a little more, 61 bounds, rounded to 4 significant digits.
//
// Prometheus's histogram_quantile only knows which bucket the quantile falls in and interpolates
// linearly inside it. When the truth and the estimate share a bucket [b, 1.25 b], the estimate is
// at most 25% above the truth and at most 20% below it, whatever the distribution; coarser
// buckets (10–30 s, as before) let a 10 s wait read 28 s. Each bound is one series per histogram
// per instance: 63 with _sum and _count, three histograms, so about 190 series per consumer.
export const LATENCY_RATIO = 1.25;

export const LATENCY_BUCKETS: readonly number[] = Array.from({ length: 61 }, (_, k) => Number((0.001 * LATENCY_RATIO ** k).toPrecision(4)));
