// One look at both services — producer /status, consumer /status and consumer /metrics — taken
// at one moment. The lab runner measures with these and the terminal view draws them; neither
// reads anything else.

import { getJson } from './get-json';
import { type Histogram, histogramOf, parseExposition } from './prometheus';
import { type ConsumerStatus, describeError, getText, type ProducerStatus, type Urls } from './services';

export interface Snapshot {
  /** performance.now() when it was taken. */
  at: number;
  producer?: ProducerStatus;
  consumer?: ConsumerStatus;
  /** The consumer's backpressure_queue_wait_seconds and processing-duration histograms. */
  queueWait?: Histogram;
  processing?: Histogram;
  /** Why a service did not answer, when it did not. */
  errors: { producer?: string; consumer?: string };
}

/**
 * `histograms: false` skips the consumer's /metrics (the views take their quantiles from /status;
 * the runner's windows need the histograms).
 */
export async function takeSnapshot(urls: Urls, { histograms = true } = {}): Promise<Snapshot> {
  const at = performance.now();
  const [producer, consumer, metrics] = await Promise.allSettled([
    getJson<ProducerStatus>(`${urls.producer}/status`),
    getJson<ConsumerStatus>(`${urls.consumer}/status`),
    histograms ? getText(`${urls.consumer}/metrics`) : Promise.reject(new Error('not asked for')),
  ]);
  const snapshot: Snapshot = { at, errors: {} };
  if (producer.status === 'fulfilled' && producer.value.status === 200) snapshot.producer = producer.value.body;
  else snapshot.errors.producer = failure(producer);
  if (consumer.status === 'fulfilled' && consumer.value.status === 200) snapshot.consumer = consumer.value.body;
  else snapshot.errors.consumer = failure(consumer);
  if (metrics.status === 'fulfilled') {
    const samples = parseExposition(metrics.value);
    snapshot.queueWait = histogramOf(samples, 'backpressure_queue_wait_seconds');
    snapshot.processing = histogramOf(samples, 'backpressure_processing_duration_seconds');
  }
  return snapshot;
}

function failure(result: PromiseSettledResult<{ status: number }>): string {
  return result.status === 'rejected' ? describeError(result.reason) : `answered ${result.value.status}`;
}

/** Events per second between two snapshots, from the services' running totals. */
export interface Rates {
  produced: number;
  sent: number;
  rejected: number;
  dropped: number;
  sampled_out: number;
  processed: number;
  failed: number;
  busy: number;
}

export function ratesBetween(a: Snapshot, b: Snapshot): Partial<Rates> {
  const seconds = (b.at - a.at) / 1000;
  if (!(seconds > 0)) return {};
  const per = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined || y < x ? undefined : (y - x) / seconds; // a restart resets totals
  const rates: Partial<Rates> = {};
  const pa = a.producer?.accounting;
  const pb = b.producer?.accounting;
  rates.produced = per(pa?.produced, pb?.produced);
  // With the broker the producer sends nothing itself: it publishes.
  const sent = (acc: typeof pa) => (acc === undefined ? undefined : 'sent' in acc ? acc.sent : acc.published);
  rates.sent = per(sent(pa), sent(pb));
  rates.rejected = per(pa?.rejected, pb?.rejected);
  rates.dropped = per(pa?.dropped, pb?.dropped);
  rates.sampled_out = per(pa?.sampled_out, pb?.sampled_out);
  const ca = a.consumer?.totals;
  const cb = b.consumer?.totals;
  rates.processed = per(ca?.processed, cb?.processed);
  rates.failed = per(ca?.failed, cb?.failed);
  rates.busy = per(ca?.rejected_busy, cb?.rejected_busy);
  return rates;
}

/** Rejections per second between two snapshots, by reason (queue_full, timeout, memory, …). */
export function rejectionRatesBetween(a: Snapshot, b: Snapshot): Record<string, number> {
  const seconds = (b.at - a.at) / 1000;
  const before: Record<string, number | undefined> = a.producer?.accounting.rejected_by_reason ?? {};
  const rates: Record<string, number> = {};
  if (!(seconds > 0)) return rates;
  for (const [reason, total] of Object.entries(b.producer?.accounting.rejected_by_reason ?? {})) {
    const earlier = before[reason] ?? 0;
    if (total !== undefined && total >= earlier) rates[reason] = (total - earlier) / seconds; // a restart resets totals
  }
  return rates;
}
