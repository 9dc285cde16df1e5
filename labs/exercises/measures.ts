// What the exercises read from a snapshot, named once.
import type { Up } from '../src/recording';

export const queued = (s: Up) => s.producer.queue.size;
export const queueLimit = (s: Up) => s.producer.queue.limit ?? Infinity;
export const queueMb = (s: Up) => s.producer.queue.memory_bytes / 1024 / 1024;
export const oldestAge = (s: Up) => s.producer.backend.oldest_item_age_seconds ?? NaN;
export const produced = (s: Up) => s.producer.accounting.produced;
export const rejected = (s: Up) => s.producer.accounting.rejected;
export const dropped = (s: Up) => s.producer.accounting.dropped;
export const sampledOut = (s: Up) => s.producer.accounting.sampled_out;
export const deadLettered = (s: Up) => s.producer.accounting.dead_lettered;
export const balanced = (s: Up) => (s.producer.accounting.balanced ? 1 : 0);
export const rateLimitDelays = (s: Up) => s.producer.admission.rate_limit_delays;
export const waitingCallers = (s: Up) => s.producer.queue.admission_waiting;
export const waitingCallersMb = (s: Up) => s.producer.queue.admission_waiting_memory_bytes / 1024 / 1024;
export const blockedSeconds = (s: Up) => s.producer.admission.blocked_seconds ?? 0;
export const highQueued = (s: Up) => s.producer.backend.by_priority?.high ?? NaN;
export const normalQueued = (s: Up) => s.producer.backend.by_priority?.normal ?? NaN;
export const heapMb = (s: Up) => s.producer.process.heap_used_mb;
export const heapShareOfLimit = (s: Up) => (100 * s.producer.process.heap_used_mb) / s.producer.process.memory_limit_mb;
export const processed = (s: Up) => s.consumer.totals.processed;
export const consumerCapacity = (s: Up) => s.consumer.effective_max_throughput_per_s;

/** jq filters for the learner's polling loops. */
export const JQ = {
  queue: '.queue | {size, memory_mb}',
  mode: '.queue | {mode, size, max_size}',
  memory: '{queue_mb: .queue.memory_mb, heap_mb: .process.heap_used_mb, rss_mb: .process.memory_mb, limit_mb: .process.memory_limit_mb}',
  rejections: '{size: .queue.size, rejected: .accounting.rejected, dropped: .accounting.dropped}',
  age: '{size: .queue.size, oldest_item_age_seconds: .backend.oldest_item_age_seconds}',
  callers:
    '{size: .queue.size, waiting_callers: .queue.admission_waiting, callers_mb: .queue.admission_waiting_memory_mb, produced: .accounting.produced, rejected: .accounting.rejected}',
  breaker: '{size: .queue.size, breaker: .backend.breaker.state, retries: .backend.retries}',
};

// With the queue in RabbitMQ (QUEUE_BACKEND=rabbitmq).
const brokerBooks = (s: Up) => s.producer.accounting as { published?: number; expired?: number };
export const published = (s: Up) => brokerBooks(s).published ?? NaN;
export const expired = (s: Up) => brokerBooks(s).expired ?? NaN;
/** Unacked items the consumer holds (its own count: the broker's statistics lag). */
export const held = (s: Up) => s.consumer.broker?.holding ?? NaN;
export const redeliveries = (s: Up) => s.consumer.broker?.redeliveries ?? NaN;
export const BROKER_JQ = '{ready: .backend.ready, unacked: .backend.unacked, published: .accounting.published}';
export const NEEDS_BROKER =
  'This exercise needs the queue in RabbitMQ: `sudo apt-get install rabbitmq-server` once, then `npm run rabbitmq` in ' +
  'one terminal and `QUEUE_BACKEND=rabbitmq npm start` in another (see docs/broker.md).';

// Goodput (docs/goodput.md): the consumer's own counts of items processed within their deadline.
export const processedInDeadline = (s: Up) => s.consumer.goodput.processed_in_deadline;
export const processedLate = (s: Up) => s.consumer.goodput.processed_late;
export const callersSucceeded = (s: Up) => s.producer.callers.succeeded;
export const callerAttempts = (s: Up) => s.producer.callers.attempts;
export const callersStarted = (s: Up) => s.producer.callers.started;
export const GOODPUT_JQ = '{size: .queue.size, oldest_s: .backend.oldest_item_age_seconds, goodput: .backend.goodput}';

// With a database behind the consumer (DOWNSTREAM=postgres): its /status `downstream` section.
const downstream = (s: Up) => s.consumer.downstream;
export const dbBusy = (s: Up) => downstream(s)?.pool.busy ?? NaN;
/** Connection-seconds used since start: a window's rate() of it is the mean number of busy connections, exactly. */
export const dbBusySeconds = (s: Up) => downstream(s)?.pool.busy_seconds ?? NaN;
export const dbWaiting = (s: Up) => downstream(s)?.pool.waiting ?? NaN;
export const dbReady = (s: Up) => (downstream(s)?.ready ? 1 : 0);
export const dbErrors = (reason: string) => (s: Up) =>
  (downstream(s)?.errors_by_reason as Record<string, number> | undefined)?.[reason] ?? NaN;
/** Running totals of the writes' time in PostgreSQL: a window's mean write time is Δtotal ÷ Δcount (meanWriteMs). */
export const dbQueryTotalMs = (s: Up) => downstream(s)?.query.total_ms ?? NaN;
export const dbQueryCount = (s: Up) => downstream(s)?.query.count ?? NaN;
export const meanWriteMs = (w: { change(read: (s: Up) => number): number }) => w.change(dbQueryTotalMs) / w.change(dbQueryCount);
/** Items written (inserted, or found there) and the INSERTs that committed them: Δ ÷ Δ is a window's mean batch (itemsPerInsert). */
export const dbItemsWritten = (s: Up) => {
  const writes = downstream(s)?.writes;
  return writes ? writes.inserted + writes.duplicates_avoided : NaN;
};
export const dbStatements = (s: Up) => downstream(s)?.writes.statements ?? NaN;
export const itemsPerInsert = (w: { change(read: (s: Up) => number): number }) => w.change(dbItemsWritten) / w.change(dbStatements);
/** 100 when the pool's connections are the full hop nearest the database, else 0 (a share over a window with mean()). */
export const poolIsFullHop = (s: Up) => (downstream(s)?.full_hop === 'pool_connections' ? 100 : 0);
export const inFlight = (s: Up) => s.consumer.in_flight;
export const refusedByConsumer = (s: Up) => s.consumer.totals.rejected_busy;
export const DB_JQ =
  '.downstream | {ready, pool, full_hop, acquire_ms: .acquire.mean_ms, query_ms: .query.mean_ms, errors: .errors_by_reason}';
export const DB_BATCH_JQ =
  '.downstream | {pool: {busy: .pool.busy, waiting: .pool.waiting}, writes, db_batch_max: .settings.db_batch_max, query_ms: .query.mean_ms}';
export const NEEDS_DATABASE =
  'This exercise needs PostgreSQL behind the consumer: `sudo apt-get install postgresql` once, then `npm run postgres` in ' +
  'one terminal and `DOWNSTREAM=postgres npm start` in another (docs/downstream.md).';
