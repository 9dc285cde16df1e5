// The shape of the producer's GET /status, in one place: the producer builds it (status.ts), and
// the browser view (ui/src) and the workshop (labs/) read it through these types — no casts, no
// looking fields up by pattern. Types only: importing this file loads nothing at run time.
//
// `backend` is the queue backend's own section (backend/queue-backend.ts), the same shape on both
// backends: a figure a backend does not have is absent, never 0 or a made-up state.
import type { QUEUE_BACKENDS, QueueType } from '../../common/src/env';
import type { CallerStats } from './caller-stats';
import type { ProducerSettings, QueueMode } from './config';
import type { Priority } from './item';
import type { JobState } from './jobs';
import type { RetryBudget } from './retry-budget';
import type { RejectReason } from './vocabulary';

export type BackendKind = (typeof QUEUE_BACKENDS)[number];

export interface BreakerStatus {
  state: 'closed' | 'half_open' | 'open';
  mode: ProducerSettings['breaker_mode'];
  consecutive_failures: number;
  window_requests: number;
  window_failure_rate: number;
  times_opened: number;
  reset_ms: number;
}

/** The limits in force on the queue itself; a limit that is off is absent. */
export interface BackendLimits {
  /** Most items the queue itself holds whatever admission does: the broker policy's max-length (admission's own limit is queue.limit). */
  max_items?: number;
  /** Most estimated bytes it holds (max_queue_bytes). */
  max_bytes?: number;
  /** Longest an item may wait before it is counted as expired instead of sent (max_item_age_ms). */
  max_item_age_ms?: number;
}

/** A node of the broker cluster as the management API reports it. */
export interface ClusterNode {
  name: string;
  /** up: running; down: known to the cluster, not running. */
  state: 'up' | 'down';
  memory_alarm: boolean;
  disk_alarm: boolean;
}

/** The broker cluster and lab.items' place in it (broker/cluster-watch.ts). */
export interface ClusterView {
  nodes: ClusterNode[];
  /** The node leading lab.items (a quorum queue), or the node holding it (classic). */
  leader: string | null;
  members: string[];
  online: string[];
  /** When it was last read, or null before the first answer. */
  read_at: string | null;
  error: string | null;
}

export interface BackendStatus {
  /** Where the queue lives: the producer's heap (`memory`) or RabbitMQ (`rabbitmq`). */
  kind: BackendKind;
  /** Items waiting to be taken: the producer's queue size, or the broker's ready count (polled every 100 ms). */
  depth: number;
  /** rabbitmq: messages ready for delivery in lab.items (RabbitMQ's own word; the same count as depth). */
  ready?: number;
  /** rabbitmq: messages delivered to a consumer and not yet acknowledged (management API, every 500 ms). */
  unacked?: number;
  /** Items waiting per priority, where the backend can tell. */
  by_priority?: { high: number; normal: number };
  /** How long the item waiting longest has waited (0 when none waits), where the backend can tell. */
  oldest_item_age_seconds?: number;
  /** What the waiting items weigh, estimated as `bytes_estimated_from` says. */
  bytes: number;
  bytes_estimated_from: 'item heap estimate' | 'last message body × ready';
  limits: BackendLimits;
  // The in-memory queue's dispatcher: the producer sends each item to a consumer itself.
  /** Items per second the consumer is measured to take at the current sender concurrency (null: not measured yet). */
  drain_capacity_per_s?: number | null;
  /** Items the consumer accepted per second over the last 5 s. */
  delivered_per_s?: number;
  /** Average duration of a successful send, per item (null before the first). */
  average_send_ms?: number | null;
  /** The sender_concurrency senders. */
  senders?: number;
  /** Items being sent right now. */
  in_flight?: number;
  /** Failed sends whose item went back to the queue. */
  retries?: number;
  breaker?: BreakerStatus;
  /**
   * Goodput beside throughput, as the producer hears the consumer's answers: items delivered
   * within their deadline and after it (late: wasted work), and those that expired instead.
   */
  goodput?: GoodputStatus;
  /** The sender's retry budget (retry_budget_ratio) and the retry amplification it measures. */
  retry_budget?: ReturnType<RetryBudget['describe']>;
  /** The queue discipline (queue_discipline) and its own figures: which end it serves, CoDel's state. */
  discipline?: { name: ProducerSettings['queue_discipline'] } & Record<string, number | string | boolean>;
  // RabbitMQ: consumers take items from the broker themselves.
  /** Messages the consumers acknowledged per second over the last 5 s (throughput, not capacity). */
  acked_per_s?: number;
  /**
   * The AMQP connection: to which node of AMQP_URL (host:port), how often it moved to another
   * after losing one, and its state as the management API reports it (running, flow: credit flow
   * throttles it, blocking/blocked: a resource alarm).
   */
  connection?: {
    connected: boolean;
    since: string | null;
    last_error: string | null;
    node?: string | null;
    failovers?: number;
    state?: string | null;
  };
  /** The broker queue's name. */
  queue?: string;
  /** classic (one node holds it) or quorum (replicated on the cluster's nodes): QUEUE_TYPE. */
  queue_type?: QueueType;
  /** Publishes a lost connection left unanswered, published again with their message id. */
  resends?: number;
  /** Connections reopened after a run of nacks with room, or a publish unanswered 30 s (RabbitMQ 3.10 quorum-queue faults). */
  channel_reopens?: number;
  /** The broker's memory or disk alarm: while blocked, no publish is confirmed. */
  blocked?: { blocked: boolean; reason: string | null; seconds: number };
  /** The cluster's nodes (up, down, alarms) and lab.items' leader and members (management API). */
  cluster?: ClusterView;
  /** Publishes waiting for the broker's confirm. */
  publishing?: number;
  /** Publishes the broker refused (at max-length with reject-publish). */
  publish_nacks?: number;
  /** The last management API error while polling the counts, or null. */
  counts_error?: string | null;
  /** The policy that holds the limits in RabbitMQ, and whether it is in force. */
  policy?: { in_force: boolean; last_error: string | null; definition: Record<string, string | number> };
  /** lab.items is a priority queue (false: one declared by an older version, still holding items). */
  priorities?: boolean;
  /** This producer's queue of job outcomes (the reply-to of its job items), and the outcomes it received. */
  job_outcomes?: { queue: string; received: number };
}

/** An item given up after max_attempts, as GET /dead-letters lists it. */
export interface DeadLetter {
  id: string;
  priority: Priority;
  attempts: number;
  last_error: string;
  created_at: string;
  dead_lettered_at: string;
}

/** GET /dead-letters: the given-up items kept now (not replayed). */
export interface DeadLetterList {
  total: number;
  /** memory: newest first; rabbitmq: oldest first, the order of the queue that keeps them (and of a replay). */
  order: 'newest_first' | 'oldest_first';
  items: DeadLetter[];
}

/** POST /admin/dead-letters/replay's answer. */
export interface ReplayResult {
  replayed: number;
  /** Why it stopped: `limit` reached, none left (`empty`), or the queue had no room (`queue_full`). */
  stopped: 'limit' | 'empty' | 'queue_full';
  /** Given-up items still kept (null: the broker could not be asked after the replay). */
  left: number | null;
}

export interface GoodputStatus {
  delivered_in_deadline: number;
  delivered_late: number;
  /** Every expired item: taken out of the queue, or dropped by the consumer (`expired_at_consumer` of them). */
  expired: number;
  expired_at_consumer: number;
  /** Items delivered within their deadline per second (last 5 s). */
  goodput_per_s: number;
  /** Items delivered per second, in time or late (last 5 s). */
  throughput_per_s: number;
}

/** The accounting identity with the in-memory queue (ledger.ts). */
export interface MemoryAccounting {
  produced: number;
  /** Given-up items put back on the queue (POST /admin/dead-letters/replay): produced + replayed = the rest. */
  replayed: number;
  queued: number;
  in_flight: number;
  sent: number;
  rejected: number;
  dropped: number;
  sampled_out: number;
  cleared: number;
  dead_lettered: number;
  expired: number;
  balanced: boolean;
}

/** The producer's side of the books with the queue in RabbitMQ (ledger.ts). */
export interface BrokerAccounting {
  produced: number;
  published: number;
  rejected: number;
  sampled_out: number;
  balanced: boolean;
  dropped: number;
  expired: number;
  dead_lettered: number;
  cleared: number;
  /** Given-up items put back on the queue: published + replayed = ready + unacked + processed + … (ledger.ts). */
  replayed: number;
}

export type Accounting = MemoryAccounting | BrokerAccounting;

export interface ProducerStatus {
  service: 'producer';
  instance: string;
  uptime_seconds: number;
  /** The contract fields of design.md (mode, size, max_size, memory_bytes, memory_mb) and admission's view. */
  queue: {
    mode: QueueMode;
    /** Items waiting (backend.depth). */
    size: number;
    max_size: number;
    /** The depth admission lets the queue reach now (null: no limit). */
    limit: number | null;
    memory_bytes: number;
    memory_mb: number;
    admission_waiting: number;
    admission_waiting_memory_bytes: number;
    admission_waiting_memory_mb: number;
  };
  /** The strategy's own figures (tokens, drain rate, …) besides these. */
  admission: { mode: QueueMode; blocked_seconds: number | null; rate_limit_delays: number } & Record<string, number | string | null>;
  backend: BackendStatus;
  accounting: Accounting & { rejected_by_reason: Partial<Record<RejectReason, number>> };
  jobs: Record<JobState, number>;
  /** Open arrivals' callers with client_timeout_ms: tries, timeouts, retries (retrying-callers.ts). */
  callers: ReturnType<CallerStats['describe']>;
  config: ProducerSettings & { consumer_url: string };
  process: {
    pid: number;
    memory_bytes: number;
    memory_mb: number;
    heap_used_bytes: number;
    heap_used_mb: number;
    memory_limit_mb: number;
    memory_limit_source: string;
    memory_guard: { enabled: boolean; threshold: number; threshold_mb: number; shedding: boolean };
    active_resources: number;
  };
}
