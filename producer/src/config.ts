// Everything the producer can be told, with its range and default. Environment variables use the
// UPPER_CASE names (PRODUCTION_RATE=50); POST /admin/config takes the same names in lower case.
import { z } from 'zod';
import { brokerEnv, managementEnv, readEnv, serviceEnv } from '../../common/src/env';
import { settingsFromEnv } from '../../common/src/settings';
import { quorumRefusal } from './broker/quorum';

export const QUEUE_MODES = ['unbounded', 'bounded', 'rate_limited', 'block', 'timeout', 'sample', 'adaptive'] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];
/** Which waiting item is sent next (discipline/): the in-memory queue only. */
export const QUEUE_DISCIPLINES = ['fifo', 'codel', 'adaptive_lifo'] as const;
export type QueueDiscipline = (typeof QUEUE_DISCIPLINES)[number];

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const producerSettings = z
  .object({
    // The generator: one caller that waits (closed), or independent callers arriving at the rate (open)
    arrivals: z.enum(['closed', 'open']).default('closed'),
    production_rate: z.number().min(0).max(100_000).default(10),
    payload_bytes: int(0, 1_000_000).default(1024),
    high_priority_ratio: z.number().min(0).max(1).default(0),
    // Admission
    queue_mode: z.enum(QUEUE_MODES).default('unbounded'),
    max_queue_size: int(1, 10_000_000).default(100),
    overflow: z.enum(['reject', 'drop_oldest']).default('reject'),
    // At least 1 token per 100 s: a token wait must fit a Node timer (at most 2^31 − 1 ms).
    rate_limit: z.number().min(0.01).max(100_000).default(5),
    burst: int(1, 100_000).default(5),
    enqueue_timeout_ms: int(1, 600_000).default(1000),
    sample_rate: int(1, 10_000).default(10),
    sample_high_water: int(0, 10_000_000).default(50),
    target_latency_ms: int(10, 600_000).default(2000),
    adaptive_min_size: int(1, 10_000_000).default(5),
    adaptive_max_size: int(1, 10_000_000).default(1000),
    // Delivery to the consumer
    sender_concurrency: int(1, 256).default(2),
    /** Items per request: 1 POSTs each to /process; more POST up to this many to /process-batch. */
    send_batch_size: int(1, 1000).default(1),
    send_timeout_ms: int(50, 600_000).default(10_000),
    max_attempts: int(1, 100).default(5),
    retry_base_ms: int(1, 60_000).default(100),
    retry_max_ms: int(1, 600_000).default(5000),
    // The circuit breaker (breaker.ts): opens on failures in a row, or on a failure rate over a window
    breaker_mode: z.enum(['consecutive', 'failure_rate']).default('consecutive'),
    breaker_failure_threshold: int(1, 1000).default(5),
    breaker_failure_rate: z.number().min(0.01).max(1).default(0.5),
    breaker_window_ms: int(100, 600_000).default(10_000),
    breaker_minimum_requests: int(1, 100_000).default(20),
    breaker_reset_ms: int(10, 600_000).default(2000),
    // Limits of the queue itself (0: none), on either backend: in memory the queue enforces them,
    // on RabbitMQ its policy (max-length-bytes, message-ttl).
    /** The queue's estimated bytes (in memory: the items' heap estimate; RabbitMQ: message bytes). */
    max_queue_bytes: int(0, 1_000_000_000_000).default(0),
    /** How long an item may wait in the queue; older ones are never sent, counted as `expired`. */
    max_item_age_ms: int(0, 86_400_000).default(0),
    // Queue discipline (discipline/, docs/goodput.md): which waiting item is sent next
    queue_discipline: z.enum(QUEUE_DISCIPLINES).default('fifo'),
    /** CoDel: the queue delay it tolerates as a standing minimum. */
    codel_target_ms: int(1, 60_000).default(5),
    /** CoDel: how long the minimum delay must stay above target before it drops. */
    codel_interval_ms: int(1, 600_000).default(100),
    /** Adaptive LIFO: above this many waiting items, serve the newest first. */
    lifo_queue_threshold: int(0, 10_000_000).default(10),
    /** Adaptive LIFO: once the oldest item has waited this long, serve the newest first. */
    lifo_age_ms: int(0, 600_000).default(100),
    // The sender's retry budget (retry-budget.ts): retries at most this share of first attempts (0: no budget)
    retry_budget_ratio: z.number().min(0).max(10).default(0),
    retry_budget_window_ms: int(100, 600_000).default(10_000),
    // Open arrivals' callers (open-arrivals.ts): each gives up after its timeout (0: waits forever) and tries again
    client_timeout_ms: int(0, 600_000).default(0),
    client_retries: int(0, 10).default(0),
    // Memory guard (see memory-guard.ts): off by default so that Exercise 3 still crashes
    memory_guard: z.boolean().default(false),
    memory_guard_threshold: z.number().min(0.1).max(1).default(0.9),
  })
  .refine((s) => s.adaptive_min_size <= s.adaptive_max_size, {
    path: ['adaptive_min_size'],
    message: 'must not be greater than adaptive_max_size',
  })
  .refine((s) => s.retry_base_ms <= s.retry_max_ms, {
    path: ['retry_base_ms'],
    message: 'must not be greater than retry_max_ms',
  });

export type ProducerSettings = z.infer<typeof producerSettings>;

const producerEnv = z.object({
  ...serviceEnv,
  ...brokerEnv,
  ...managementEnv,
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  CONSUMER_URL: z.url().default('http://127.0.0.1:8001'),
  MEMORY_LIMIT_MB: z.coerce.number().int().min(16).max(1_048_576).default(256),
});

export function loadProducerConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = { env: readEnv(producerEnv, env), settings: settingsFromEnv(producerSettings, env) };
  const refusal = config.env.QUEUE_BACKEND === 'rabbitmq' ? quorumRefusal(config.settings, config.env.QUEUE_TYPE) : undefined;
  if (refusal) {
    const variable = refusal.field.toUpperCase();
    console.error(`Invalid environment variable ${variable}=${JSON.stringify(env[variable])}: ${refusal.reason} (QUEUE_TYPE=quorum)`);
    process.exit(1);
  }
  return config;
}
