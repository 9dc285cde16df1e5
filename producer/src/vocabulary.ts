// The producer's vocabulary: the label values of its counters and the names of what can become of
// an item. Kept in a file that imports nothing, so that the intake, the ledger, the metrics and
// the tracer can all name them without importing each other (no import cycle among them).

/** Where an item came from: the rate-driven generator (or open arrivals), POST /produce, POST /jobs. */
export const SOURCES = ['generator', 'produce', 'jobs'] as const;
export type Source = (typeof SOURCES)[number];

/** Why admission refused an item (backpressure_items_rejected_total{reason}). */
export const REJECT_REASONS = [
  'queue_full',
  'queue_bytes',
  'timeout',
  'adaptive_limit',
  'memory',
  'cancelled',
  'broker_unavailable',
  'broker_blocked',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Why a send failed and its item went back to the queue (backpressure_send_retries_total{reason}). */
export const RETRY_REASONS = ['network', 'timeout', 'http_429', 'http_5xx', 'http_4xx'] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

/** Why the producer discarded an admitted item (backpressure_items_dropped_total{reason}). */
export const DROP_REASONS = ['drop_oldest', 'sampled_out', 'cleared', 'codel', 'retry_budget'] as const;
export type DropReason = (typeof DROP_REASONS)[number];
