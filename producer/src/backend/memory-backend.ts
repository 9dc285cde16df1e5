// The in-memory backend: the producer's own queue (ItemQueue, in its heap) and the dispatcher
// whose senders take items from it and POST them to the consumer. Ready when the consumer answers
// and the breaker is closed (readiness.ts). max_queue_bytes bounds the queue's estimated bytes
// (queue.ts); max_item_age_ms takes out the items that waited longer, unsent, counted as expired:
// before every take, and every EXPIRY_SWEEP_MS so that the count does not wait for a sender.
import type { AdmissionQueue } from '../admission/admission-queue';
import { brokerMaxLength } from '../broker/policy';
import type { ProducerSettings } from '../config';
import { createDiscipline, DISCIPLINE_SETTINGS } from '../discipline';
import { Dispatcher } from '../dispatcher';
import { releaseHeapAfterClear } from '../heap-release';
import type { Ledger } from '../ledger';
import { ItemQueue } from '../queue';
import { queueNow } from '../queue-clock';
import { Readiness } from '../readiness';
import type { BackendLimits, BackendStatus, DeadLetterList, MemoryAccounting, ReplayResult } from '../status-model';
import type { BackendParts, QueueBackend, ReadinessCheck } from './queue-backend';

/** How often the queue's head is checked for expired items (with max_item_age_ms set). */
const EXPIRY_SWEEP_MS = 100;

const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : null);

export class MemoryBackend implements QueueBackend {
  readonly kind = 'memory' as const;
  private readonly queue: ItemQueue;
  readonly offersAtOnce = 1;
  private readonly dispatcher: Dispatcher;
  private readonly readinessProbe: Readiness;
  private readonly settings: () => ProducerSettings;
  private readonly ledger: Ledger;
  private sweep?: NodeJS.Timeout;

  constructor(parts: BackendParts & { consumerUrl: string }) {
    this.settings = parts.settings;
    this.ledger = parts.ledger;
    this.queue = new ItemQueue(() => this.settings().max_queue_bytes);
    this.queue.useDiscipline(() => createDiscipline(this.settings()));
    this.queue.onDisciplineDrop = (item) => this.ledger.shed(item, 'codel');
    this.dispatcher = new Dispatcher(this.queue, parts.ledger, parts.consumerUrl, parts.settings, parts.logger);
    this.readinessProbe = new Readiness(parts.consumerUrl, this.dispatcher.breaker);
  }

  get admissionQueue(): AdmissionQueue {
    return this.queue;
  }

  start(): void {
    this.dispatcher.resize();
    this.sweep = setInterval(() => this.dispatcher.expireStale(), EXPIRY_SWEEP_MS);
    this.sweep.unref();
  }

  depth(): number {
    return this.queue.size;
  }

  /** The queue is in this process: its length is always exact. */
  async depthSettled(): Promise<void> {}

  bytes(): number {
    return this.queue.bytes;
  }

  /** The dispatcher's measured capacity: items/s the consumer takes at the current sender concurrency. */
  drainRate(): number {
    return this.dispatcher.drainCapacity();
  }

  /** Every setting has a meaning here. */
  validate(): void {}

  async settingsChanged(changed: Partial<ProducerSettings>): Promise<void> {
    if (DISCIPLINE_SETTINGS.some((key) => key in changed)) this.queue.useDiscipline(() => createDiscipline(this.settings()));
    this.dispatcher.resize();
  }

  async clear(): Promise<number> {
    const removed = this.queue.clear();
    this.ledger.cleared(removed);
    releaseHeapAfterClear(removed.length);
    return removed.length;
  }

  accounting(): MemoryAccounting {
    return this.ledger.accounting(this.queue.size);
  }

  readiness(): Promise<ReadinessCheck> {
    return this.readinessProbe.check();
  }

  describe(): BackendStatus {
    const oldest = this.queue.oldestEnqueuedAt();
    const meter = this.dispatcher.meter;
    return {
      kind: this.kind,
      depth: this.queue.size,
      by_priority: { high: this.queue.sizeOf('high'), normal: this.queue.sizeOf('normal') },
      oldest_item_age_seconds: oldest === undefined ? 0 : Math.round(queueNow() - oldest) / 1000,
      bytes: this.queue.bytes,
      bytes_estimated_from: 'item heap estimate',
      limits: this.limits(),
      drain_capacity_per_s: round(this.dispatcher.drainCapacity()),
      delivered_per_s: round(meter.deliveredPerSecond()) ?? 0,
      average_send_ms: round(meter.averageSendMs),
      senders: this.settings().sender_concurrency,
      in_flight: this.ledger.inFlight,
      retries: this.ledger.retries,
      goodput: {
        delivered_in_deadline: this.ledger.goodput.inTime,
        delivered_late: this.ledger.goodput.late,
        expired: this.ledger.expired,
        expired_at_consumer: this.ledger.consumerExpired,
        goodput_per_s: round(this.ledger.goodput.goodputPerSecond()) ?? 0,
        throughput_per_s: round(this.ledger.goodput.throughputPerSecond()) ?? 0,
      },
      retry_budget: this.dispatcher.retryBudget.describe(),
      discipline: { name: this.settings().queue_discipline, ...this.queue.describeDiscipline() },
      breaker: this.dispatcher.breaker.describe(),
    };
  }

  /** The ledger's list of the last 1000 given up: newest first. */
  async deadLetters(limit: number): Promise<DeadLetterList> {
    return { total: this.ledger.deadLettersListed, order: 'newest_first', items: this.ledger.listDeadLetters(limit) };
  }

  deadLettersKept(): number {
    return this.ledger.deadLettersListed;
  }

  /**
   * Back at the tail of the queue, oldest first, as many as the mode's hard limit leaves room for
   * (the same cap the broker's policy sets: max_queue_size, adaptive_max_size, none when unbounded).
   */
  async replayDeadLetters(limit: number): Promise<ReplayResult> {
    const kept = this.ledger.deadLettersListed;
    const room = Math.max(0, brokerMaxLength(this.settings()) - this.queue.size);
    const count = Math.min(limit, kept, room);
    for (const item of this.ledger.replayDeadLetters(count)) this.queue.push(item);
    const stopped = count === limit ? 'limit' : count === kept ? 'empty' : 'queue_full';
    return { replayed: count, stopped, left: this.ledger.deadLettersListed };
  }

  stop(deadlineMs: number): Promise<void> {
    clearInterval(this.sweep);
    return this.dispatcher.stop(deadlineMs);
  }

  private limits(): BackendLimits {
    const s = this.settings();
    const limits: BackendLimits = {};
    if (s.max_queue_bytes > 0) limits.max_bytes = s.max_queue_bytes;
    if (s.max_item_age_ms > 0) limits.max_item_age_ms = s.max_item_age_ms;
    return limits;
  }
}
