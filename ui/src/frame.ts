// What the browser gets each refresh, worked out from the terminal view's model (WatchState):
// one chart point (numbers in the order of CHART_COLUMNS) and the panel — the current values the
// page writes as text — and, when they change, the producer's settings. Only what the page shows.
import type { Health, WatchState } from '../../labs/src/watch-model';
import type { BackendStatus } from '../../producer/src/status-model';
import { goodputOf } from './goodput-panel';

/** The columns of a chart point; the page finds each by name. Rates are per second, memory in MB. */
export const CHART_COLUMNS = [
  't',
  'queue',
  'limit',
  'produced',
  'sent',
  'processed',
  'capacity',
  'queue_full',
  'timeout',
  'adaptive_limit',
  'memory',
  'dropped',
  'sampled_out',
  'queue_mb',
  'heap_mb',
  'rss_mb',
  'limit_mb',
  'p50_s',
  'p95_s',
  'broker_ready',
  'broker_unacked',
] as const;

export type ChartPoint = (number | null)[];

export interface ServiceHealth {
  up: boolean;
  error?: string;
  /** Epoch ms when it stopped answering, while it is down. */
  down_since?: number;
  came_back?: Health['cameBack'];
}

const finite = (n: number | undefined | null): number | null => (n === undefined || n === null || !Number.isFinite(n) ? null : n);
const round = (n: number | undefined | null, digits = 2): number | null => {
  const value = finite(n);
  return value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
};

export function chartPoint(s: WatchState): ChartPoint {
  const p = s.producer.status;
  const c = s.consumer.status;
  const values: Record<(typeof CHART_COLUMNS)[number], number | null> = {
    t: Math.round(s.time.getTime() / 100) / 10, // uPlot's x: seconds
    queue: finite(p?.queue.size),
    limit: finite(p?.queue.limit),
    produced: round(s.rates.produced),
    sent: round(s.rates.sent),
    processed: round(s.rates.processed),
    capacity: finite(c?.effective_max_throughput_per_s),
    queue_full: round(s.rejectionRates.queue_full ?? (p ? 0 : null)),
    timeout: round(s.rejectionRates.timeout ?? (p ? 0 : null)),
    adaptive_limit: round(s.rejectionRates.adaptive_limit ?? (p ? 0 : null)),
    memory: round(s.rejectionRates.memory ?? (p ? 0 : null)),
    dropped: round(s.rates.dropped),
    sampled_out: round(s.rates.sampled_out),
    queue_mb: finite(p?.queue.memory_mb),
    heap_mb: finite(p?.process.heap_used_mb),
    rss_mb: finite(p?.process.memory_mb),
    limit_mb: finite(p?.process.memory_limit_mb),
    p50_s: round(s.p50QueueWait.seconds, 3),
    p95_s: round(s.p95QueueWait.seconds, 3),
    broker_ready: p?.backend.ready ?? null,
    broker_unacked: p?.backend.unacked ?? null,
  };
  return CHART_COLUMNS.map((name) => values[name]);
}

/** The current values the page shows as text. */
export function panelOf(s: WatchState) {
  const p = s.producer.status;
  const c = s.consumer.status;
  return {
    time: s.time.getTime(),
    producer: health(s.producer, s.time),
    consumer: health(s.consumer, s.time),
    queue: p && {
      mode: p.queue.mode,
      size: p.queue.size,
      limit: p.queue.limit,
      memory_mb: p.queue.memory_mb,
      oldest_item_age_seconds: p.backend.oldest_item_age_seconds,
      admission_waiting: p.queue.admission_waiting,
    },
    accounting: p && {
      produced: p.accounting.produced,
      sent: 'sent' in p.accounting ? p.accounting.sent : p.accounting.published, // the broker: published
      rejected: p.accounting.rejected,
      dropped: p.accounting.dropped,
      sampled_out: p.accounting.sampled_out,
      cleared: p.accounting.cleared,
      balanced: p.accounting.balanced,
    },
    // Only the in-memory backend's dispatcher sends items itself (on the broker there is none).
    dispatcher: p?.backend.breaker && {
      in_flight: p.backend.in_flight,
      sender_concurrency: p.backend.senders,
      breaker: p.backend.breaker.state,
      retries: p.backend.retries,
    },
    memory: p && { rss_mb: p.process.memory_mb, heap_mb: p.process.heap_used_mb, limit_mb: p.process.memory_limit_mb },
    consumer_state: c && {
      in_flight: c.in_flight,
      max_concurrency: c.max_concurrency,
      processing_time_ms: c.processing.time_ms,
      mean_processing_ms: c.processing.mean_ms,
      capacity_per_s: c.effective_max_throughput_per_s,
      processed: c.totals.processed,
      paused: c.paused,
    },
    p50_wait_s: round(s.p50QueueWait.seconds, 3),
    p95_wait_s: round(s.p95QueueWait.seconds, 3),
    broker: p && brokerOf(p.backend),
    goodput: goodputOf(c),
  };
}

export type Panel = ReturnType<typeof panelOf>;

/** The producer's settings the controls show: sent when they change, not with every frame. */
export function settingsOf(s: WatchState) {
  const c = s.producer.status?.config;
  return (
    c && {
      queue_mode: c.queue_mode,
      production_rate: c.production_rate,
      max_queue_size: c.max_queue_size,
      overflow: c.overflow,
      rate_limit: c.rate_limit,
      burst: c.burst,
      enqueue_timeout_ms: c.enqueue_timeout_ms,
      sample_rate: c.sample_rate,
      sample_high_water: c.sample_high_water,
      target_latency_ms: c.target_latency_ms,
    }
  );
}

function health(h: Health, time: Date): ServiceHealth {
  const result: ServiceHealth = { up: h.up };
  if (!h.up) {
    result.error = h.error;
    result.down_since = Math.round(time.getTime() - (h.downForSeconds ?? 0) * 1000);
  }
  if (h.cameBack) result.came_back = h.cameBack;
  return result;
}

/**
 * The figures only RabbitMQ has (the producer's `backend` section on the broker), in plain words;
 * one it does not report is left out.
 */
function brokerOf(b: BackendStatus): Record<string, string | number> | undefined {
  if (b.kind !== 'rabbitmq') return undefined;
  const yes = (flag: boolean | undefined) => (flag === undefined ? undefined : flag ? 'yes' : 'no');
  const fields: Record<string, string | number | null | undefined> = {
    'waiting in RabbitMQ (ready)': b.ready,
    'delivered, not yet acknowledged (unacked)': b.unacked,
    'acknowledged per second': b.acked_per_s,
    'connected to RabbitMQ': yes(b.connection?.connected),
    'last connection error': b.connection?.last_error,
    "publishes awaiting the broker's confirm": b.publishing,
    'publishes the broker refused': b.publish_nacks,
    'queue limits in force': yes(b.policy?.in_force),
    'last error setting the limits': b.policy?.last_error,
  };
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== null));
}
