// The ledger: every move of an item is recorded here and nowhere else, so the counters in
// /status, the Prometheus metrics and the job store can never disagree. At every instant
//
//   produced + replayed = queued + in_flight + sent + rejected + dropped + sampled_out + cleared + dead_lettered + expired
//
// (`replayed`: given-up items put back on the queue by POST /admin/dead-letters/replay, which can
// be sent or given up once more).
// (`queued` is the live queue size). `produced` counts items once admission has decided about
// them; an offer still waiting for room or a token is `admission_waiting`, not yet produced.
//
// With the queue in RabbitMQ (QUEUE_BACKEND=rabbitmq) an admitted item is `published` (the broker
// confirmed it) and its later moves happen in other processes. Here:
//
//   produced = published + rejected + sampled_out      (a publish awaiting its confirm is not yet produced)
//
// and across the producer, the broker and the consumers (checked by the tests: brokerBooks in test/helpers/rabbitmq.ts):
//
//   published + replayed = ready + unacked + processed + dropped + expired + dead_lettered + cleared
//
// where dropped (drop-head), expired (message-ttl) and dead_lettered (given up after max_attempts)
// are read back from the broker's dead-letter queue (broker/dead-letters.ts), and replayed counts
// given-up items put back on the queue (POST /admin/dead-letters/replay): each can be processed or
// given up once more.
//
// With tracing on, each move is also a point in the item's trace (tracing.ts), and the counters
// and histograms get the item's trace id as an exemplar.
import type { Context } from '@opentelemetry/api';
import { count, exemplarOf, observe } from '../../common/src/exemplars';
import { GoodputMeter } from '../../common/src/goodput-meter';
import type { JobOutcome } from '../../common/src/job-outcome';
import type { Decision } from './admission/outcome';
import type { Item } from './item';
import { ItemOutcomes } from './item-outcomes';
import type { JobStore } from './jobs';
import type { ProducerMetrics } from './metrics';
import { SlowestItems } from './slowest-items';
import type { BrokerAccounting, DeadLetter, MemoryAccounting } from './status-model';
import type { ItemTracer } from './tracing';
import type { DropReason, RejectReason, RetryReason, Source } from './vocabulary';

const DEAD_LETTERS_KEPT = 1000;

export class Ledger {
  produced = 0;
  /** Items admitted (queued; with the broker: published and confirmed). */
  admitted = 0;
  inFlight = 0;
  sent = 0;
  rejected = 0;
  dropped = 0;
  sampledOut = 0;
  clearedCount = 0;
  deadLettered = 0;
  expired = 0;
  /** Of `expired`: those the consumer dropped unprocessed (their deadline had passed on the way). */
  consumerExpired = 0;
  /** Delivered items, within their deadline or late (the consumer's answer came after it). */
  readonly goodput = new GoodputMeter();
  /** Given-up items put back on the queue (POST /admin/dead-letters/replay). */
  replayed = 0;
  retries = 0;
  rateLimitDelays = 0;
  blockedSeconds = 0;
  readonly rejectedBy: Partial<Record<RejectReason, number>> = {};
  /** The slowest deliveries of the last minute, with where their time went (GET /recent-items). */
  readonly slowest = new SlowestItems();
  /** The in-memory queue's given-up items, oldest first (the broker keeps its own in RabbitMQ). */
  private readonly deadLetters: { letter: DeadLetter; item: Item }[] = [];
  /** Callers waiting to hear what became of their item (open arrivals with client_timeout_ms). */
  readonly outcomes = new ItemOutcomes();

  constructor(
    private readonly metrics: ProducerMetrics,
    private readonly jobs: JobStore,
    /** Present only when tracing is on. */
    private readonly tracer?: ItemTracer,
  ) {}

  /** `item` is offered to admission (nothing is counted until it is decided). */
  offered(item: Item, source: Source): void {
    this.tracer?.offered(item, source);
  }

  /** Admission decided about `item` (never called for `superseded`). */
  decided(item: Item, source: Source, outcome: Decision): void {
    this.produced++;
    this.metrics.produced.inc({ source });
    this.tracer?.decided(item, outcome);
    switch (outcome.kind) {
      case 'queued':
        this.admitted++;
        if (item.job) this.jobs.queued(item);
        if (outcome.evicted) this.evicted(outcome.evicted);
        break;
      case 'rejected':
        this.outcomes.settle(item, false);
        this.rejected++;
        this.rejectedBy[outcome.reason] = (this.rejectedBy[outcome.reason] ?? 0) + 1;
        count(this.metrics.rejected, { reason: outcome.reason }, exemplarOf(item.trace));
        break;
      case 'sampled_out':
        this.outcomes.settle(item, false);
        this.sampledOut++;
        count(this.metrics.dropped, { reason: 'sampled_out' satisfies DropReason }, exemplarOf(item.trace));
        break;
    }
  }

  /** An offer waited `seconds` before it was decided: for a token, or for room in the queue. */
  waited(kind: 'token' | 'room', seconds: number): void {
    if (kind === 'token') {
      this.rateLimitDelays++;
      this.metrics.rateLimitDelays.inc();
    } else {
      this.blockedSeconds += seconds;
      this.metrics.blockedSeconds.inc(seconds);
    }
  }

  /**
   * A sender took `item` from the queue. Returns the trace context its send runs in (its
   * send_to_consumer span), or undefined when tracing is off.
   */
  taken(item: Item): Context | undefined {
    this.inFlight++;
    if (item.job) this.jobs.processing(item);
    return this.tracer?.taken(item);
  }

  /** The consumer processed `item`; its send took `seconds`, of which the consumer says it processed for `processMs`. */
  delivered(item: Item, seconds: number, processMs?: number): void {
    this.inFlight--;
    this.slowest.record(item, seconds * 1000, processMs);
    this.sent++;
    this.metrics.sent.inc();
    if (this.goodput.completed(item.deadline_at)) this.metrics.goodput.inc();
    else this.metrics.late.inc();
    observe(this.metrics.sendDuration, seconds, exemplarOf(item.trace));
    this.tracer?.delivered(item);
    if (item.job) this.jobs.finished(item);
    this.outcomes.settle(item, true);
  }

  /** A send failed and `item` went back to the head of the queue. */
  retried(item: Item, reason: RetryReason): void {
    this.inFlight--;
    this.retries++;
    count(this.metrics.retries, { reason }, exemplarOf(item.trace));
    this.tracer?.retried(item, reason);
    if (item.job) this.jobs.queued(item);
  }

  /** A send failed for the last allowed time: the item is given up, listed and counted. */
  deadLetter(item: Item, error: string): void {
    this.inFlight--;
    this.deadLettered++;
    count(this.metrics.deadLettered, {}, exemplarOf(item.trace));
    this.tracer?.deadLettered(item, error);
    if (item.job) this.jobs.finished(item, `dead-lettered: ${error}`);
    this.outcomes.settle(item, false);
    const letter = {
      id: item.id,
      priority: item.priority,
      attempts: item.attempts,
      last_error: error,
      created_at: new Date(item.created_at).toISOString(),
      dead_lettered_at: new Date().toISOString(),
    };
    this.deadLetters.push({ letter, item });
    if (this.deadLetters.length > DEAD_LETTERS_KEPT) this.deadLetters.shift(); // O(1000) at most
  }

  /**
   * Takes up to `count` given-up items, oldest first, to put back on the in-memory queue: each is
   * counted as replayed and starts its attempts again.
   */
  replayDeadLetters(count: number): Item[] {
    const items = this.deadLetters.splice(0, count).map(({ item }) => item);
    for (const item of items) {
      item.attempts = 0;
      this.replayedOne();
      if (item.job) this.jobs.queued(item);
    }
    return items;
  }

  /**
   * POST /admin/clear-queue removed `items`. Their traces are left as they are (a span for each
   * of 100,000 cleared items would stall the process); the exemplar points at one of them.
   */
  cleared(items: Item[]): void {
    this.clearedCount += items.length;
    count(this.metrics.dropped, { reason: 'cleared' satisfies DropReason }, exemplarOf(items[0]?.trace), items.length);
    for (const item of items) {
      if (item.job) this.jobs.finished(item, 'cleared from the queue');
      this.outcomes.settle(item, false);
    }
  }

  /** The broker dropped (drop-head), expired (message-ttl) or gave up (rejected by the consumer) a published item. */
  brokerDeadLetter(reason: 'dropped' | 'expired' | 'dead_lettered'): void {
    if (reason === 'dropped') {
      this.dropped++;
      this.metrics.dropped.inc({ reason: 'drop_oldest' });
    } else if (reason === 'expired') {
      this.expired++;
      this.metrics.expired.inc();
    } else {
      this.deadLettered++;
      this.metrics.deadLettered.inc(); // kept in RabbitMQ (lab.given-up), listed from there
    }
  }

  /** A given-up item was put back on the queue. */
  replayedOne(): void {
    this.replayed++;
    this.metrics.replayed.inc();
  }

  /** A consumer reported how a job ended (the broker: consumers take the items themselves). */
  jobOutcome(outcome: JobOutcome): void {
    this.jobs.reported(outcome);
  }

  /** `item` waited in the in-memory queue longer than max_item_age_ms: taken out, never sent. */
  expiredInQueue(item: Item): void {
    this.expired++;
    this.metrics.expired.inc();
    this.tracer?.expired(item);
    if (item.job) this.jobs.finished(item, 'expired: past its deadline (or max_item_age_ms) in the queue');
    this.outcomes.settle(item, false);
  }

  /** The consumer dropped `item` unprocessed: its deadline had passed when it arrived there. */
  expiredAtConsumer(item: Item): void {
    this.inFlight--;
    this.consumerExpired++;
    this.expired++;
    this.metrics.expired.inc();
    this.tracer?.delivered(item); // its send span ends with the consumer's answer
    if (item.job) this.jobs.finished(item, 'expired: its deadline passed before the consumer began it');
    this.outcomes.settle(item, false);
  }

  /** The queue's discipline (CoDel) or the retry budget dropped `item`. */
  shed(item: Item, reason: 'codel' | 'retry_budget', fromFlight = false): void {
    this.dropped++;
    count(this.metrics.dropped, { reason }, exemplarOf(item.trace));
    if (fromFlight) {
      this.inFlight--;
      this.tracer?.deadLettered(item, 'retry budget exhausted');
    } else {
      this.tracer?.evicted(item);
    }
    if (item.job) this.jobs.finished(item, `dropped: ${reason}`);
    this.outcomes.settle(item, false);
  }

  /** POST /admin/clear-queue purged `count` items from the broker's queue. */
  purged(count: number): void {
    this.clearedCount += count;
    this.metrics.dropped.inc({ reason: 'cleared' }, count);
  }

  /** The in-memory queue's given-up items: newest first, at most `limit`. */
  listDeadLetters(limit: number): DeadLetter[] {
    return this.deadLetters
      .slice(-limit)
      .reverse()
      .map(({ letter }) => letter);
  }

  get deadLettersListed(): number {
    return this.deadLetters.length;
  }

  /** The books with the in-memory queue (`queued` is its size now). */
  accounting(queued: number): MemoryAccounting {
    const accounted =
      queued +
      this.inFlight +
      this.sent +
      this.rejected +
      this.dropped +
      this.sampledOut +
      this.clearedCount +
      this.deadLettered +
      this.expired;
    return {
      produced: this.produced,
      replayed: this.replayed,
      queued,
      in_flight: this.inFlight,
      sent: this.sent,
      rejected: this.rejected,
      dropped: this.dropped,
      sampled_out: this.sampledOut,
      cleared: this.clearedCount,
      dead_lettered: this.deadLettered,
      expired: this.expired,
      balanced: accounted === this.produced + this.replayed,
    };
  }

  /** The producer's side of the books with the queue in RabbitMQ (see the top of this file). */
  brokerAccounting(): BrokerAccounting {
    return {
      produced: this.produced,
      published: this.admitted,
      rejected: this.rejected,
      sampled_out: this.sampledOut,
      balanced: this.produced === this.admitted + this.rejected + this.sampledOut,
      // Read back from the broker: what became of published items other than being processed.
      dropped: this.dropped,
      expired: this.expired,
      dead_lettered: this.deadLettered,
      cleared: this.clearedCount,
      replayed: this.replayed,
    };
  }

  private evicted(item: Item): void {
    this.dropped++;
    count(this.metrics.dropped, { reason: 'drop_oldest' satisfies DropReason }, exemplarOf(item.trace));
    this.tracer?.evicted(item);
    if (item.job) this.jobs.finished(item, 'dropped: evicted by a newer item (drop_oldest)');
    this.outcomes.settle(item, false);
  }
}
