// The queue in RabbitMQ, behind the same seam as the in-memory one (../admission/admission-
// queue.ts), so every strategy runs unchanged on it. Adding an item means publishing it to
// lab.items on a confirm channel; it counts as queued only once the broker confirms it, and while
// it waits for that confirm it is `publishing`. A limit the broker enforces (the policy's
// max-length, see policy.ts) is answered by the broker: a nack under reject-publish is `full`.
// A tighter limit that only the producer knows (adaptive's moving one) is checked here against
// the depth: the broker's ready count, polled every 100 ms over AMQP (exact at that moment), plus
// what was confirmed since and what is being published (an overestimate: consumers drain meanwhile).
//
// block and timeout: a nacked publish is retried when the polled depth shows room (as many
// waiters as there is room for, oldest first), or after a backoff, until it is confirmed or the
// time is up. Unlike the in-memory queue, arrival order is not strict: a waiter whose backoff ends
// retries on its own.
import type { ConfirmChannel } from 'amqplib';
import { HEADERS, ITEMS_QUEUE } from '../../../common/src/broker-topology';
import type { AddResult, AdmissionQueue, EvictResult, RoomResult } from '../admission/admission-queue';
import { itemRequestBody } from '../consumer-client';
import type { Item } from '../item';
import { itemTraceHeaders } from '../tracing';

/** Longest a nacked block/timeout offer waits before it publishes again (if no poll woke it first). */
const RETRY_AFTER_NACK_MS = 1000;

export interface BrokerQueueOptions {
  /** The max-length the broker enforces now (Infinity: none). */
  hardCap(): number;
  /** Stamped on every message: the consumer gives the item up after this many failed attempts. */
  maxAttempts(): number;
  /** Each nacked publish (retried or not). */
  onNack(): void;
  /** The broker answered a publish (confirm or nack) after `seconds`. */
  onAnswer(seconds: number): void;
}

export class BrokerQueue implements AdmissionQueue {
  /** Publishes waiting for their confirm. */
  publishing = 0;
  private channel?: ConfirmChannel;
  /** Ready messages at the last depth poll. */
  ready = 0;
  /** Size of the last message published (its JSON body), to estimate what the ready ones weigh. */
  messageBytes = 0;
  private confirmedSincePoll = 0;
  /** Bumped by releaseWaiters: a waiter from an older generation is superseded. */
  private generation = 0;
  private readonly roomWaiters = new Set<() => void>();

  constructor(private readonly options: BrokerQueueOptions) {}

  /** The channel to publish on (the link calls this on every new connection), or none while down. */
  attach(channel: ConfirmChannel | undefined): void {
    this.channel = channel;
    if (!channel) this.wakeWaiters();
  }

  get available(): boolean {
    return this.channel !== undefined;
  }

  get size(): number {
    return this.ready + this.confirmedSincePoll + this.publishing;
  }

  /** The ready count the broker reported just now. */
  depthPolled(ready: number): void {
    this.ready = ready;
    this.confirmedSincePoll = 0;
    const room = this.options.hardCap() - this.size;
    if (room > 0) this.wakeWaiters(room);
  }

  add(item: Item, limit: number): AddResult | Promise<AddResult> {
    if (!this.channel) return 'unavailable';
    if (limit < this.options.hardCap() && this.size >= limit) return 'full';
    return this.publish(this.channel, item);
  }

  /** The broker's drop-head makes room; the dropped heads come back through the dead-letter queue. */
  async addEvictingOldest(item: Item): Promise<EvictResult> {
    return { result: await this.add(item, Infinity) };
  }

  async addWhenRoom(item: Item, limit: number, signal: AbortSignal, timeoutMs = Infinity): Promise<RoomResult> {
    const deadline = performance.now() + timeoutMs;
    const generation = this.generation;
    for (;;) {
      if (signal.aborted) return 'cancelled';
      if (generation !== this.generation) return 'superseded';
      const result = await this.add(item, limit);
      if (result !== 'full') return result;
      const left = deadline - performance.now();
      if (left <= 0) return 'timeout';
      await this.roomOrBackoff(Math.min(left, RETRY_AFTER_NACK_MS), signal);
    }
  }

  releaseWaiters(): void {
    this.generation++;
    this.wakeWaiters();
  }

  private publish(channel: ConfirmChannel, item: Item): Promise<AddResult> {
    const now = Date.now();
    item.enqueued_at = now;
    const headers = {
      ...itemTraceHeaders(item),
      [HEADERS.attempts]: 1,
      [HEADERS.maxAttempts]: this.options.maxAttempts(),
      [HEADERS.enqueuedAt]: now,
    };
    this.publishing++;
    const started = performance.now();
    return new Promise((resolve) => {
      const settle = (err: unknown) => {
        this.publishing--;
        this.options.onAnswer((performance.now() - started) / 1000);
        if (!err) {
          this.confirmedSincePoll++;
          resolve('queued');
        } else if (err instanceof Error && err.message === 'message nacked') {
          this.options.onNack();
          resolve('full');
        } else {
          resolve('unavailable'); // the channel closed first: the broker may or may not have it
        }
      };
      try {
        const body = Buffer.from(itemRequestBody(item));
        this.messageBytes = body.length;
        channel.publish(
          '',
          ITEMS_QUEUE,
          body,
          {
            persistent: true,
            contentType: 'application/json',
            messageId: item.id,
            headers,
          },
          settle,
        );
      } catch (err) {
        settle(err); // the channel is already closed
      }
    });
  }

  private roomOrBackoff(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.roomWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.roomWaiters.add(done);
    });
  }

  /** Wakes the `count` longest-waiting offers (a Set keeps insertion order), or all. */
  private wakeWaiters(count = Infinity): void {
    for (const wake of [...this.roomWaiters].slice(0, count)) wake();
  }
}
