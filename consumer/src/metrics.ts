// The consumer's Prometheus metrics (names kept from the original lab so its queries work).
// Those with `exemplarOption()` carry the trace id of the item behind them (common/src/exemplars.ts:
// update them through its count() and observe()).
//
// The failure and refusal counters start at 0 for their one reason each (knownCounter), so their
// panels read 0, not "No data", until something fails.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { exemplarOption } from '../../common/src/exemplars';
import { LATENCY_BUCKETS } from '../../common/src/latency-buckets';
import { knownCounter } from '../../common/src/metrics';
import { type ConsumerSettings, capacityPerSecond } from './config';

export interface ConsumerGaugeSource {
  inFlight(): number;
  settings(): ConsumerSettings;
  throughput(): number;
}

export function createConsumerMetrics(registry: Registry, source: ConsumerGaugeSource) {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });

  gauge('backpressure_items_in_flight', 'Items being processed now', source.inFlight);
  gauge('backpressure_configured_processing_time_ms', 'Configured processing time per item', () => source.settings().processing_time_ms);
  gauge('backpressure_consumer_throughput', 'Items processed per second over the last 5 s', source.throughput);
  gauge('backpressure_consumer_max_concurrency', 'Items the consumer processes at once', () => source.settings().max_concurrency);
  gauge('backpressure_consumer_capacity_items_per_second', 'Items per second the consumer can finish (concurrency × 1000 / ms)', () =>
    capacityPerSecond(source.settings()),
  );
  gauge('backpressure_consumer_failure_rate', 'Configured probability of an injected failure', () => source.settings().failure_rate);
  gauge('backpressure_consumer_paused', '1 while the consumer holds requests', () => (source.settings().paused ? 1 : 0));

  return {
    processed: new Counter({ name: 'backpressure_items_processed_total', help: 'Items processed successfully', registers }),
    inDeadline: new Counter({
      name: 'backpressure_items_goodput_total',
      help: 'Items processed within their deadline (goodput; an item without one always is)',
      registers,
    }),
    late: new Counter({
      name: 'backpressure_items_late_total',
      help: 'Items processed after their deadline: work whose caller had given up',
      registers,
    }),
    expired: new Counter({
      name: 'backpressure_items_expired_total',
      help: 'Items dropped unprocessed because their deadline had passed when they arrived',
      registers,
    }),
    failed: knownCounter(
      { name: 'backpressure_items_failed_total', help: 'Items that failed processing', registers, ...exemplarOption() },
      'reason',
      ['injected'],
    ),
    rejected: knownCounter(
      {
        name: 'backpressure_items_rejected_total',
        help: 'Requests refused with 429: at the concurrency limit, or with the database pool full (db_max_waiting)',
        registers,
        ...exemplarOption(),
      },
      'reason',
      ['concurrency_limit', 'db_pool_full'],
    ),
    processingDuration: new Histogram({
      name: 'backpressure_processing_duration_seconds',
      help: 'Time spent processing one item (measured)',
      buckets: [...LATENCY_BUCKETS],
      registers,
      ...exemplarOption(),
    }),
    queueWait: new Histogram({
      name: 'backpressure_queue_wait_seconds',
      help: "Time from an item's creation at the producer to the start of its processing",
      buckets: [...LATENCY_BUCKETS],
      registers,
      ...exemplarOption(),
    }),
    endToEnd: new Histogram({
      name: 'backpressure_end_to_end_seconds',
      help: "Time from an item's creation at the producer to the end of its processing (processed or failed)",
      buckets: [...LATENCY_BUCKETS],
      registers,
      ...exemplarOption(),
    }),
  };
}

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>;
