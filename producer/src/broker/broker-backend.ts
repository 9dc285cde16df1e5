// The RabbitMQ backend (QUEUE_BACKEND=rabbitmq): admitted items are published to lab.items
// (broker-queue.ts) and the consumers take them from there themselves; no dispatcher runs. The
// connection, policy and polled counts live in broker.ts; this is its face towards the producer.
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueType } from '../../../common/src/env';
import type { AdmissionQueue } from '../admission/admission-queue';
import { type BackendParts, BackendUnavailable, type QueueBackend, type ReadinessCheck } from '../backend/queue-backend';
import type { ProducerSettings } from '../config';
import type { Ledger } from '../ledger';
import type { BackendStatus, BrokerAccounting, DeadLetterList, ReplayResult } from '../status-model';
import { Broker } from './broker';
import { refuseWhatTheBrokerCannotDo } from './goodput-limits';
import { brokerMaxLength } from './policy';

/** Longest POST /produce waits for its depth poll. */
const SETTLE_WAIT_MS = 1000;
/** Publishes awaiting their confirm at once, per source of items: enough to fill the broker's batches. */
const OFFERS_AT_ONCE = 100;

export class BrokerBackend implements QueueBackend {
  readonly kind = 'rabbitmq' as const;
  readonly offersAtOnce = OFFERS_AT_ONCE;
  private readonly broker: Broker;
  private readonly settings: () => ProducerSettings;
  private readonly ledger: Ledger;

  constructor(parts: BackendParts & { amqpUrl: string; managementUrl: string; queueType: QueueType }) {
    this.settings = parts.settings;
    this.ledger = parts.ledger;
    this.broker = new Broker(parts);
  }

  get admissionQueue(): AdmissionQueue {
    return this.broker.queue;
  }

  start(): void {
    this.broker.start();
  }

  /** The ready count in lab.items, polled over AMQP every 100 ms. */
  depth(): number {
    return this.broker.ready();
  }

  /**
   * A depth poll started now: it sees every publish confirmed so far (a burst confirmed between
   * two 100 ms polls would otherwise show up to 100 ms of it missing). At most 1 s: a hung queue
   * leader may not answer, and the timer's polls go on meanwhile.
   */
  depthSettled(): Promise<void> {
    return Promise.race([this.broker.pollDepthNow(), sleep(SETTLE_WAIT_MS, undefined, { ref: false })]);
  }

  /** Message bytes in RabbitMQ: ready × the last message's size (the producer's heap holds none of them). */
  bytes(): number {
    return this.broker.ready() * this.broker.queue.messageBytes;
  }

  /** The consumers' ack rate: throughput, which meets capacity while items wait (broker.ts). */
  drainRate(): number {
    return this.broker.drainRate();
  }

  /**
   * A 400 naming the setting for what RabbitMQ cannot honour: the goodput settings (goodput-limits.ts)
   * and, on a quorum queue, some others (quorum.ts).
   */
  validate(next: ProducerSettings): void {
    refuseWhatTheBrokerCannotDo(next);
    this.broker.validate(next);
  }

  settingsChanged(changed: Partial<ProducerSettings>): Promise<void> {
    this.broker.settingsChanged(changed);
    return this.broker.policyApplied(); // the new limits are in force when the answer comes
  }

  clear(): Promise<number> {
    return this.broker.clear();
  }

  accounting(): BrokerAccounting {
    return this.ledger.brokerAccounting();
  }

  readiness(): Promise<ReadinessCheck> {
    return this.broker.check();
  }

  describe(): BackendStatus {
    const s = this.settings();
    const maxItems = brokerMaxLength(s);
    return {
      kind: this.kind,
      depth: this.depth(),
      by_priority: this.broker.byPriority(),
      oldest_item_age_seconds: Math.round(this.broker.oldestItemAgeSeconds() * 1000) / 1000,
      bytes: this.bytes(),
      bytes_estimated_from: 'last message body × ready',
      limits: {
        ...(Number.isFinite(maxItems) && { max_items: maxItems }),
        ...(s.max_queue_bytes > 0 && { max_bytes: s.max_queue_bytes }),
        ...(s.max_item_age_ms > 0 && { max_item_age_ms: s.max_item_age_ms }),
      },
      ...this.broker.describe(),
    };
  }

  /** Read from RabbitMQ's lab.given-up without taking them (given-up.ts): oldest first. */
  async deadLetters(limit: number): Promise<DeadLetterList> {
    const { givenUp } = this.broker;
    const [total, items] = await unavailableOnError(() => Promise.all([givenUp.count(), givenUp.list(limit)]));
    return { total, order: 'oldest_first', items };
  }

  deadLettersKept(): number {
    return this.broker.givenUpKept;
  }

  async replayDeadLetters(limit: number): Promise<ReplayResult> {
    const result = await unavailableOnError(() => this.broker.replayGivenUp(limit));
    return { ...result, left: await this.broker.givenUp.count().catch(() => null) };
  }

  /** Waits for the publishes awaiting their confirm, then closes: what is in the broker stays there. */
  async stop(deadlineMs: number): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    while (this.broker.queue.publishing > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.broker.close();
  }
}

/** A failed AMQP or management API call: the broker cannot be reached (or refused to answer). */
async function unavailableOnError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw err instanceof BackendUnavailable ? err : new BackendUnavailable((err as Error).message);
  }
}
