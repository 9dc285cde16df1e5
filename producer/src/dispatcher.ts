// The dispatcher: `sender_concurrency` senders, each taking the next item from the queue and
// POSTing it to the consumer's /process over a keep-alive connection — or, with
// `send_batch_size` above 1, up to that many items at once to /process-batch. Either way every
// item is settled on its own: a batch is only a cheaper way to carry items.
//
// A failed send never loses the item: it goes back to the head of the queue and its sender
// backs off (exponential, full jitter, at least the consumer's Retry-After) before trying again.
// After `max_attempts` failures the item is dead-lettered (counted and listed). Only answers that
// blame the item use up attempts (5xx, 4xx, a timeout); a 429 ("busy") or a consumer that cannot
// be reached at all makes the sender back off without counting against the item.
// A circuit breaker stops all sends for a moment when the consumer keeps failing.
import { setTimeout as sleep } from 'node:timers/promises';
import { context } from '@opentelemetry/api';
import { pastDeadline } from '../../common/src/goodput-meter';
import { BODY_LIMIT_BYTES } from '../../common/src/http';
import type { Logger } from '../../common/src/logger';
import { CircuitBreaker } from './breaker';
import type { ProducerSettings } from './config';
import { ConsumerClient, itemRequestBody } from './consumer-client';
import { DrainMeter } from './drain-meter';
import type { Item } from './item';
import type { Ledger } from './ledger';
import type { ItemQueue } from './queue';
import { queueNow } from './queue-clock';
import { RetryBudget } from './retry-budget';

/** Items taken together, with the JSON each is sent as. */
interface Batch {
  items: Item[];
  bodies: string[];
}

/** `{"items":[` and `]}` around a batch's item bodies. */
const BATCH_ENVELOPE_BYTES = 12;

export class Dispatcher {
  readonly breaker: CircuitBreaker;
  readonly meter = new DrainMeter();
  readonly retryBudget: RetryBudget;
  private readonly client: ConsumerClient;
  private readonly senders = new Set<number>();
  private stopping = false;
  private readonly wakeOnStop = new AbortController();
  /**
   * Items a send failed for: their next send is a retry (the retry budget counts those apart). Kept
   * here, not on the item, because a queued item never sent should not pay for it (8 heap bytes each).
   */
  private readonly failedBefore = new WeakSet<Item>();

  constructor(
    private readonly queue: ItemQueue,
    private readonly ledger: Ledger,
    consumerUrl: string,
    private readonly settings: () => ProducerSettings,
    private readonly logger: Logger,
  ) {
    const s = settings();
    this.breaker = new CircuitBreaker(s);
    this.retryBudget = new RetryBudget(s.retry_budget_ratio, s.retry_budget_window_ms);
    this.client = new ConsumerClient(consumerUrl);
  }

  /** Starts or stops senders to match sender_concurrency (also after a settings change). */
  resize(): void {
    const s = this.settings();
    this.breaker.configure(s);
    this.retryBudget.configure(s.retry_budget_ratio, s.retry_budget_window_ms);
    for (let id = 0; id < s.sender_concurrency && !this.stopping; id++) {
      if (!this.senders.has(id)) void this.runSender(id);
    }
  }

  /** Items per second the consumer is measured to take at the current concurrency. */
  drainCapacity(): number {
    return this.meter.capacity(this.settings().sender_concurrency, this.queue.size > 0);
  }

  /**
   * Takes out the items at the head of the queue that waited longer than max_item_age_ms, each
   * counted as expired: called before every take, so no such item is sent.
   */
  expireStale(): void {
    const maxAgeMs = this.settings().max_item_age_ms;
    const now = Date.now();
    const cutoff = maxAgeMs > 0 ? queueNow() - maxAgeMs : -Infinity;
    const isStale = (item: Item) => item.enqueued_at < cutoff || pastDeadline(item.deadline_at, now);
    for (const item of this.queue.expireHeads(isStale)) this.ledger.expiredInQueue(item);
  }

  /** The next item whose deadline has not passed; those taken past it are counted as expired instead. */
  private takeLive(): Item | undefined {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      if (!pastDeadline(item.deadline_at)) return item;
      this.ledger.expiredInQueue(item);
    }
    return undefined;
  }

  /** Stops taking items; resolves when in-flight sends have finished or `deadlineMs` passed. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.wakeOnStop.abort();
    this.queue.wakeSenders();
    const deadline = performance.now() + deadlineMs;
    while (this.ledger.inFlight > 0 && performance.now() < deadline) await sleep(20);
  }

  private async runSender(id: number): Promise<void> {
    this.senders.add(id);
    try {
      while (!this.stopping && id < this.settings().sender_concurrency) {
        const waitMs = this.breaker.delayBeforeSend();
        if (waitMs > 0) {
          await sleep(Math.min(waitMs, 100));
          continue;
        }
        const batch = this.takeBatch(this.settings().send_batch_size);
        if (!batch) {
          this.breaker.neutral(); // give back a half-open probe slot we did not use
          await this.queue.whenNotEmpty();
          continue;
        }
        await this.deliver(batch);
      }
    } finally {
      this.senders.delete(id);
    }
  }

  /** The next items to send: up to `max`, as many as fit in one request body (at least one). */
  private takeBatch(max: number): Batch | undefined {
    this.expireStale();
    const first = this.takeLive();
    if (!first) return undefined;
    const batch: Batch = { items: [first], bodies: [itemRequestBody(first)] };
    if (max === 1) return batch; // nothing to measure: a lone item goes to /process
    let bytes = BATCH_ENVELOPE_BYTES + Buffer.byteLength(batch.bodies[0]);
    for (let next = this.takeLive(); next; next = batch.items.length < max ? this.takeLive() : undefined) {
      // The discipline chose `next`; one that does not fit goes back where it was, for the next batch.
      const body = bytes + next.payload.length > BODY_LIMIT_BYTES ? undefined : itemRequestBody(next); // cheap lower bound first
      if (body === undefined || bytes + Buffer.byteLength(body) + 1 > BODY_LIMIT_BYTES) {
        this.queue.putBack(next);
        break;
      }
      bytes += Buffer.byteLength(body) + 1;
      batch.items.push(next);
      batch.bodies.push(body);
    }
    return batch;
  }

  private async deliver(batch: Batch): Promise<void> {
    const contexts = batch.items.map((item) => this.ledger.taken(item));
    // With tracing on, a lone item's send (its traceparent header) and its log lines belong to
    // the item's send_to_consumer span; the items of a batch share one request and go without.
    const traceContext = batch.items.length === 1 ? contexts[0] : undefined;
    await (traceContext ? context.with(traceContext, () => this.attempt(batch)) : this.attempt(batch));
  }

  /** Sends a batch and settles each of its items on its own: delivered, retried or dead-lettered. */
  private async attempt({ items, bodies }: Batch): Promise<void> {
    const s = this.settings();
    for (const item of items) this.retryBudget.sent(this.failedBefore.has(item));
    const started = performance.now();
    // A lone item always goes to /process (it may be larger than a batch may be).
    const outcomes =
      items.length === 1
        ? [await this.client.sendOne(bodies[0], s.send_timeout_ms)]
        : await this.client.sendBatch(items, bodies, s.send_timeout_ms);
    const elapsedMs = performance.now() - started;
    const retry: Item[] = [];
    let backoff = 0;
    let delivered = 0;
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      if ('expired' in outcome) {
        this.breaker.success(); // the consumer answered; the item was past its deadline when it arrived
        this.ledger.expiredAtConsumer(item);
        return;
      }
      if (!('reason' in outcome)) {
        delivered++;
        this.breaker.success();
        this.ledger.delivered(item, elapsedMs / 1000, outcome.processingMs);
        return;
      }
      const failure = outcome;
      this.failedBefore.add(item);
      // A failure of the whole request is one object repeated for each of its items: the breaker
      // hears it once, as it would for one item sent alone.
      const newToBreaker = failure !== outcomes[i - 1];
      if (failure.reason === 'http_429') {
        if (newToBreaker) this.breaker.neutral();
      } else {
        if (newToBreaker) this.breaker.failure();
        // An unreachable consumer says nothing about the item: the breaker deals with that.
        if (failure.reason !== 'network') item.attempts++;
      }
      if (item.attempts >= s.max_attempts) {
        this.ledger.deadLetter(item, failure.error);
        this.logger.warn({ item_id: item.id, attempts: item.attempts, error: failure.error }, 'item dead-lettered');
        return;
      }
      if (failure.reason !== 'network' && !this.retryBudget.allowRetry()) {
        this.ledger.shed(item, 'retry_budget', true); // an unreachable consumer is the breaker's business
        return;
      }
      retry.push(item);
      this.ledger.retried(item, failure.reason);
      backoff = Math.max(backoff, backoffMs(item.attempts, failure.retryAfterMs, s));
    });
    if (delivered > 0) this.meter.record(elapsedMs, delivered);
    // Failed items go back to the head of the queue in their original order.
    for (let i = retry.length - 1; i >= 0; i--) this.queue.pushFront(retry[i]);
    if (retry.length > 0) await sleep(backoff, undefined, { signal: this.wakeOnStop.signal }).catch(() => {});
  }
}

/** Exponential backoff with full jitter, never shorter than Retry-After, capped at retry_max_ms. */
export function backoffMs(attempt: number, retryAfterMs: number, s: ProducerSettings): number {
  const ceiling = Math.min(s.retry_max_ms, s.retry_base_ms * 2 ** Math.max(0, attempt - 1));
  return Math.min(s.retry_max_ms, Math.max(retryAfterMs, Math.random() * ceiling));
}
