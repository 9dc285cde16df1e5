// The producer's Prometheus metrics. Counters and histograms are updated by the ledger as items
// move; gauges are read from the live state at scrape time (`read`), so they are never stale.
// Those with `exemplarOption()` carry the trace id of an item behind them (common/src/exemplars.ts:
// update them through its count() and observe()).
//
// Counters whose label values are known (reasons, sources) are knownCounters: a series at 0 for
// each value from the start, so a panel of a count that is still zero reads 0, not "No data".
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { exemplarOption } from '../../common/src/exemplars';
import { knownCounter } from '../../common/src/metrics';
import type { BackendStatus } from './status-model';
import { DROP_REASONS, REJECT_REASONS, RETRY_REASONS, SOURCES } from './vocabulary';

/** The live state the gauges read at scrape time; a backend figure that is absent has no sample. */
export interface LiveState {
  backend(): BackendStatus;
  queueLimit(): number;
  maxQueueSize(): number;
  admissionWaiting(): number;
  admissionWaitingBytes(): number;
  tokens(): number | undefined;
  mode(): string;
  memoryLimitBytes(): number;
  deadLetters(): number;
  jobsByState(): Record<string, number>;
}

const BREAKER_STATES = { closed: 0, half_open: 1, open: 2 } as const;

export function createProducerMetrics(registry: Registry, source: LiveState) {
  const registers = [registry];
  const gauge = (name: string, help: string, collect: (g: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        collect(this);
      },
    });

  /** Sets `g` to a backend figure, or leaves it without a sample where the backend has none. */
  const backendGauge = (name: string, help: string, read: (b: BackendStatus) => number | null | undefined) =>
    gauge(name, help, (g) => {
      g.reset();
      const value = read(source.backend());
      if (typeof value === 'number') g.set(value);
    });

  backendGauge('backpressure_queue_depth', 'Items waiting in the queue (with RabbitMQ: ready messages)', (b) => b.depth);
  gauge(
    'backpressure_queue_depth_by_priority',
    'Items waiting, per priority',
    (g) => {
      g.reset();
      for (const [priority, n] of Object.entries(source.backend().by_priority ?? {})) g.set({ priority }, n);
    },
    ['priority'],
  );
  backendGauge('backpressure_queue_memory_bytes', 'Estimated bytes the waiting items weigh', (b) => b.bytes);
  gauge('backpressure_queue_limit', 'Queue depth the current mode admits (absent when unlimited)', (g) => {
    g.reset();
    const limit = source.queueLimit();
    if (Number.isFinite(limit)) g.set(limit);
  });
  gauge('backpressure_queue_max_size', 'Configured max_queue_size', (g) => g.set(source.maxQueueSize()));
  backendGauge(
    'backpressure_queue_oldest_item_age_seconds',
    'How long the oldest queued item has waited',
    (b) => b.oldest_item_age_seconds,
  );
  backendGauge('backpressure_items_in_flight', 'Items being sent to the consumer by the dispatcher', (b) => b.in_flight);
  gauge('backpressure_admission_waiting', 'Callers (offers) waiting for admission (block, timeout, rate_limited)', (g) =>
    g.set(source.admissionWaiting()),
  );
  gauge('backpressure_admission_waiting_memory_bytes', 'Estimated heap bytes held by the callers waiting for admission', (g) =>
    g.set(source.admissionWaitingBytes()),
  );
  gauge('backpressure_rate_limit_tokens', 'Tokens in the rate limiter bucket (rate_limited mode)', (g) => {
    g.reset();
    const tokens = source.tokens();
    if (tokens !== undefined) g.set(tokens);
  });
  backendGauge(
    'backpressure_drain_capacity_items_per_second',
    'Measured items/s the consumer drains at the current sender concurrency (the dispatcher)',
    (b) => b.drain_capacity_per_s,
  );
  backendGauge(
    'backpressure_broker_acks_per_second',
    'Messages the consumers acknowledged per second (RabbitMQ, last 5 s)',
    (b) => b.acked_per_s,
  );
  backendGauge(
    'backpressure_retry_amplification',
    "Send attempts ÷ items sent over the retry budget's window (1 = no retries)",
    (b) => b.retry_budget?.window_amplification,
  );
  backendGauge(
    'backpressure_goodput_items_per_second',
    'Items delivered within their deadline per second (last 5 s)',
    (b) => b.goodput?.goodput_per_s,
  );
  backendGauge('backpressure_circuit_breaker_state', 'Breaker around the consumer: 0 closed, 1 half-open, 2 open', (b) =>
    b.breaker ? BREAKER_STATES[b.breaker.state] : undefined,
  );
  gauge(
    'backpressure_queue_mode',
    'Current queue mode (value 1 on the active mode)',
    (g) => {
      g.reset();
      g.set({ mode: source.mode() }, 1);
    },
    ['mode'],
  );
  gauge('backpressure_process_memory_bytes', 'Resident set size of the producer process', (g) => g.set(process.memoryUsage.rss()));
  gauge('backpressure_memory_limit_bytes', 'Memory limit the producer runs under', (g) => g.set(source.memoryLimitBytes()));
  gauge('backpressure_dead_letters', 'Dead-lettered items currently listed at GET /dead-letters', (g) => g.set(source.deadLetters()));
  gauge(
    'backpressure_jobs',
    'Jobs in the job store, per state',
    (g) => {
      g.reset();
      for (const [state, n] of Object.entries(source.jobsByState())) g.set({ state }, n);
    },
    ['state'],
  );

  return {
    produced: knownCounter(
      { name: 'backpressure_items_produced_total', help: 'Items offered for admission and decided', registers },
      'source',
      SOURCES,
    ),
    sent: new Counter({ name: 'backpressure_items_sent_total', help: 'Items the consumer accepted', registers }),
    goodput: new Counter({
      name: 'backpressure_items_goodput_total',
      help: 'Items the consumer accepted within their deadline (goodput; an item without one always is)',
      registers,
    }),
    late: new Counter({
      name: 'backpressure_items_late_total',
      help: 'Items the consumer accepted after their deadline: work whose caller had given up',
      registers,
    }),
    rejected: knownCounter(
      { name: 'backpressure_items_rejected_total', help: 'Items refused at admission', registers, ...exemplarOption() },
      'reason',
      REJECT_REASONS,
    ),
    dropped: knownCounter(
      { name: 'backpressure_items_dropped_total', help: 'Items discarded by the producer', registers, ...exemplarOption() },
      'reason',
      DROP_REASONS,
    ),
    deadLettered: new Counter({
      name: 'backpressure_items_dead_lettered_total',
      help: 'Items given up after max_attempts',
      registers,
      ...exemplarOption(),
    }),
    replayed: new Counter({
      name: 'backpressure_items_replayed_total',
      help: 'Given-up items put back on the queue (POST /admin/dead-letters/replay)',
      registers,
    }),
    expired: new Counter({
      name: 'backpressure_items_expired_total',
      help: 'Items past their deadline or max_item_age_ms: taken out of the queue, or dropped by the consumer unprocessed',
      registers,
    }),
    retries: knownCounter(
      { name: 'backpressure_send_retries_total', help: 'Failed sends whose item went back to the queue', registers, ...exemplarOption() },
      'reason',
      RETRY_REASONS,
    ),
    rateLimitDelays: new Counter({
      name: 'backpressure_rate_limit_delays_total',
      help: 'Items that waited for a rate-limiter token',
      registers,
    }),
    blockedSeconds: new Counter({
      name: 'backpressure_blocked_seconds_total',
      help: 'Time offers spent waiting for room (block, timeout)',
      registers,
    }),
    sendDuration: new Histogram({
      name: 'backpressure_send_duration_seconds',
      help: 'Duration of successful sends to the consumer',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
      ...exemplarOption(),
    }),
  };
}

export type ProducerMetrics = ReturnType<typeof createProducerMetrics>;
