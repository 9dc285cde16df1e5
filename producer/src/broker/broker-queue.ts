// The queue in RabbitMQ, behind the same seam as the in-memory one (../admission/admission-
// queue.ts), so every strategy runs unchanged on it. Adding an item means publishing it to
// lab.items on a confirm channel; it counts as queued only once the broker confirms it, and while
// it waits for that confirm it is `publishing`. A limit the broker enforces (the policy's
// max-length, see policy.ts) is answered by the broker: a nack under reject-publish is `full`.
// A tighter limit that only the producer knows (adaptive's moving one) is checked here against
// the depth: the broker's ready count, polled every 100 ms over AMQP (exact at that moment), plus
// what was confirmed since and what is being published (an overestimate: consumers drain meanwhile).
//
// block and timeout: while the polled depth (fresh within a second) shows the queue full, an offer
// does not publish: it waits to be woken when a poll shows room (as many waiters as there is room
// for, oldest first), so that waiting callers form a line, as in memory, instead of each one
// publishing into a full queue again and again (a pile of open arrivals with 100 KB items did 27
// MB/s of refused publishes that way). A nacked publish waits the same way, or a backoff, until it
// is confirmed or the time is up. A waiter woken just after a newcomer took the room loses its
// place in the line: the order is nearly, not strictly, that of arrival.
//
// A node that dies (or a connection lost) leaves publishes unanswered: the broker may or may not
// have them. Each is published again, with the same message id, once a connection to a node is
// back, until one is confirmed: none is lost, and one the broker had already becomes a duplicate
// (the consumer recognizes it by its id). A re-sent publish that is nacked is tried again too,
// since its first copy may be in the queue.
//
// While the broker blocks the connection (a memory or disk alarm), `add` refuses at once
// (`blocked`) and addWhenRoom waits for the unblock, up to its deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfirmChannel, Options } from 'amqplib';
import { HEADERS, ITEMS_QUEUE, MESSAGE_PRIORITY } from '../../../common/src/broker-topology';
import type { AddResult, AdmissionQueue, EvictResult, RoomResult } from '../admission/admission-queue';
import { itemRequestBody } from '../consumer-client';
import type { Item } from '../item';
import { queueNow } from '../queue-clock';
import { itemTraceHeaders } from '../tracing';
import { PublishLog } from './publish-log';

/** Longest a nacked block/timeout offer waits before it looks again (if no poll woke it first). */
const RETRY_AFTER_NACK_MS = 1000;
/** A depth poll older than this (the side channel is down or slow) no longer keeps a waiter from publishing. */
const STALE_POLL_MS = 1000;

export interface BrokerQueueOptions {
  /** The max-length the broker enforces now (Infinity: none). */
  hardCap(): number;
  /**
   * False for a quorum queue, whose reject-publish is loose (3.10 took 6,000 pipelined publishes
   * at a limit of 500): the limit is then also checked here, against the depth, as adaptive's is.
   */
  exactLimit: boolean;
  /** Stamped on every message: the consumer gives the item up after this many failed attempts. */
  maxAttempts(): number;
  /** Each nacked publish (retried or not). */
  onNack(): void;
  /** The broker answered a publish (a confirm, or a nack) after `seconds`. */
  onAnswer(seconds: number, confirmed: boolean): void;
  /** A publish left unanswered by a lost connection, about to be published again. */
  onResend(): void;
  /** True while the broker blocks publishing (its memory or disk alarm). */
  blocked(): boolean;
  /** Where consumers report a job's outcome (job-outcomes.ts): the reply-to of job items. */
  outcomesQueue: string;
}

type Answer = 'confirmed' | 'nacked' | 'lost';
/** An offer's place in the line for room, kept while it publishes and waits again; `wake` while it waits. */
interface PlaceInLine {
  wake: (() => void) | undefined;
}

export class BrokerQueue implements AdmissionQueue {
  /** Publishes waiting for their confirm. */
  publishing = 0;
  private channel?: ConfirmChannel;
  /** Ready messages at the last depth poll. */
  ready = 0;
  /** Size of the last message published (its JSON body), to estimate what the ready ones weigh. */
  messageBytes = 0;
  /**
   * Confirms the last depth poll took in: those before it was asked. Later ones add to size (the
   * broker may have counted some of them too: until the next poll the estimate errs high, not low).
   */
  private countedUpTo = 0;
  private polledAt = -Infinity;
  /** When each confirmed item was enqueued: the oldest ready item's age (publish-log.ts). */
  readonly log = new PublishLog();
  /** Bumped by releaseWaiters: a waiter from an older generation is superseded. */
  private generation = 0;
  /** The offers waiting for room, in the order they first waited (a Set keeps insertion order). */
  private readonly roomWaiters = new Set<PlaceInLine>();
  /** When each publish still waiting for its answer was sent (performance.now()), oldest first. */
  private readonly unanswered = new Set<{ at: number }>();
  /** Re-sends waiting for a channel. */
  private readonly channelWaiters = new Set<(channel: ConfirmChannel | undefined) => void>();
  private closed = false;

  constructor(private readonly options: BrokerQueueOptions) {}

  /** The channel to publish on (the link calls this on every new connection), or none while down. */
  attach(channel: ConfirmChannel | undefined): void {
    this.channel = channel;
    if (!channel) this.wakeWaiters();
    else for (const waiter of [...this.channelWaiters]) waiter(channel);
  }

  /** Re-sends still waiting for a channel give up (the producer stops): they count as unavailable. */
  close(): void {
    this.closed = true;
    for (const waiter of [...this.channelWaiters]) waiter(undefined);
  }

  /** Wakes the waiting offers (the broker unblocked publishing: they try again now). */
  wake(): void {
    this.wakeWaiters();
  }

  get available(): boolean {
    return this.channel !== undefined;
  }

  get size(): number {
    return this.ready + (this.log.confirmedTotal - this.countedUpTo) + this.publishing;
  }

  /**
   * Takes in the ready count that `ask` gets from the broker. The answer counts only the confirms
   * from before it was asked: one that comes back while the ask is on its way may be missing from it.
   */
  async depthFrom(ask: () => Promise<number>): Promise<void> {
    const confirmedWhenAsked = this.log.confirmedTotal;
    const ready = await ask();
    this.ready = ready;
    this.polledAt = performance.now();
    this.countedUpTo = confirmedWhenAsked;
    this.log.readyPolled(ready, confirmedWhenAsked);
    const room = this.options.hardCap() - this.size;
    if (room > 0) this.wakeWaiters(room);
  }

  add(item: Item, limit: number): AddResult | Promise<AddResult> {
    if (!this.channel) return 'unavailable';
    if (this.options.blocked()) return 'blocked';
    if ((limit < this.options.hardCap() || !this.options.exactLimit) && this.size >= limit) return 'full';
    return this.publish(this.channel, item);
  }

  /** The broker's drop-head makes room; the dropped heads come back through the dead-letter queue. */
  async addEvictingOldest(item: Item): Promise<EvictResult> {
    return { result: await this.add(item, Infinity) };
  }

  async addWhenRoom(item: Item, limit: number, signal: AbortSignal, timeoutMs = Infinity): Promise<RoomResult> {
    const deadline = performance.now() + timeoutMs;
    const generation = this.generation;
    const place: PlaceInLine = { wake: undefined };
    try {
      for (;;) {
        if (signal.aborted) return 'cancelled';
        if (generation !== this.generation) return 'superseded';
        const result = this.options.blocked() ? 'blocked' : this.looksFull(limit) ? 'full' : await this.add(item, limit);
        if (result !== 'full' && result !== 'blocked') return result;
        const left = deadline - performance.now();
        if (left <= 0) return 'timeout';
        await this.roomOrBackoff(place, Math.min(left, RETRY_AFTER_NACK_MS), signal);
      }
    } finally {
      this.roomWaiters.delete(place);
    }
  }

  /** The last depth poll, fresh, says there is no room below `limit`: publishing now would be refused. */
  private looksFull(limit: number): boolean {
    return performance.now() - this.polledAt < STALE_POLL_MS && this.size >= Math.min(limit, this.options.hardCap());
  }

  releaseWaiters(): void {
    this.generation++;
    this.wakeWaiters();
  }

  /** Publishes until the broker answers: a nack of the first publish is `full`; a lost one is re-sent. */
  private async publish(channel: ConfirmChannel, item: Item): Promise<AddResult> {
    const now = Date.now();
    item.enqueued_at = queueNow();
    const headers = {
      ...itemTraceHeaders(item),
      [HEADERS.attempts]: 1,
      [HEADERS.maxAttempts]: this.options.maxAttempts(),
      [HEADERS.enqueuedAt]: now,
    };
    const body = Buffer.from(itemRequestBody(item));
    this.messageBytes = body.length;
    const properties: Options.Publish = {
      persistent: true,
      contentType: 'application/json',
      messageId: item.id,
      priority: MESSAGE_PRIORITY[item.priority],
      // Whole seconds (AMQP): the broker reports its head item's, oldest_item_age_seconds's fallback.
      timestamp: Math.floor(now / 1000),
      replyTo: item.job ? this.options.outcomesQueue : undefined,
      headers,
    };
    this.publishing++;
    try {
      let current: ConfirmChannel | undefined = channel;
      for (let resend = false; ; resend = true) {
        if (!current) return 'unavailable'; // the producer stopped before a node came back
        const answer = await this.publishOnce(current, body, properties);
        if (answer === 'confirmed') {
          this.log.confirmed(now, item.priority);
          return 'queued';
        }
        if (answer === 'nacked') {
          this.options.onNack();
          if (!resend) return 'full';
          await sleep(RETRY_AFTER_NACK_MS / 10); // its first copy may be in the queue: keep trying
        } else {
          this.options.onResend();
          current = await this.nextChannel(current);
        }
      }
    } finally {
      this.publishing--;
    }
  }

  /** When the oldest publish still waiting for its answer was sent (confirm-watch.ts), if any. */
  oldestUnanswered(): number | undefined {
    for (const publish of this.unanswered) return publish.at;
    return undefined;
  }

  private publishOnce(channel: ConfirmChannel, body: Buffer, properties: Options.Publish): Promise<Answer> {
    const started = performance.now();
    const unanswered = { at: started };
    this.unanswered.add(unanswered);
    return new Promise((resolve) => {
      const settle = (err: unknown) => {
        this.unanswered.delete(unanswered);
        const lost = err && !(err instanceof Error && err.message === 'message nacked');
        if (!lost) this.options.onAnswer((performance.now() - started) / 1000, !err);
        resolve(!err ? 'confirmed' : lost ? 'lost' : 'nacked');
      };
      try {
        channel.publish('', ITEMS_QUEUE, body, properties, settle);
      } catch (err) {
        settle(err); // the channel is already closed
      }
    });
  }

  /** A channel other than `old` (the connection's next), or none once the producer stops. */
  private nextChannel(old: ConfirmChannel): Promise<ConfirmChannel | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    if (this.channel && this.channel !== old) return Promise.resolve(this.channel);
    return new Promise((resolve) => {
      const waiter = (channel: ConfirmChannel | undefined) => {
        this.channelWaiters.delete(waiter);
        resolve(channel);
      };
      this.channelWaiters.add(waiter);
    });
  }

  /** Waits for a wake or `ms`, keeping `place` where it first joined the line. */
  private roomOrBackoff(place: PlaceInLine, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        place.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      place.wake = done;
      this.roomWaiters.add(place);
    });
  }

  /** Wakes the `count` longest-waiting offers, or all. */
  private wakeWaiters(count = Infinity): void {
    const waiting = [...this.roomWaiters].filter((place) => place.wake);
    for (const place of waiting.slice(0, count)) place.wake?.();
  }
}
