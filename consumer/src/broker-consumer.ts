// The consumer's side of QUEUE_BACKEND=rabbitmq: it takes items from lab.items itself, with a
// prefetch of max_concurrency (the broker never hands it more unacked items than it processes
// at once), processes each through the same Consumer.process as POST /process, and acks it after.
// Pause holds the deliveries it has (at most the prefetch); the broker keeps the rest.
//
// A failed item is retried by publishing a copy with `x-attempts` + 1 (confirmed) and then acking
// the original, so the retry goes to the back of the queue. At `x-max-attempts` (stamped by the
// producer from its max_attempts) it is rejected without requeue: RabbitMQ dead-letters it, and
// the producer counts it as dead_lettered. A consumer that dies leaves its unacked items to the
// broker, which delivers them again with the `redelivered` flag: counted here as redeliveries.
// A delivery of an item this consumer has already processed, or is processing (recent-ids.ts: a
// publish re-sent after a node died, or an ack a dying node lost), is acked without processing it
// again and counted as a duplicate.
// A job item (one with a reply-to) gets its outcome reported to its producer (outcome-reporter.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { Counter, Gauge, type Registry } from 'prom-client';
import { AmqpLink, reconnectOnChannelClose } from '../../common/src/amqp-link';
import { CONNECTION_NAME, declareTopology, HEADERS, ITEMS_QUEUE } from '../../common/src/broker-topology';
import type { QueueType } from '../../common/src/env';
import type { JobOutcome } from '../../common/src/job-outcome';
import type { Logger } from '../../common/src/logger';
import type { Consumer, ItemToProcess, ProcessResult } from './consumer';
import { OutcomeReporter } from './outcome-reporter';
import { RecentIds } from './recent-ids';
import { traceDelivery } from './tracing';

/** How often a delivery that finds every slot taken (max_concurrency was just lowered) looks again. */
const BUSY_RETRY_MS = 5;
/** How long a retry that the full queue refused (reject-publish) waits before it is published again. */
const REPUBLISH_BACKOFF_MS = 100;
const DEFAULT_MAX_ATTEMPTS = 5;
/**
 * How long a delivery the database could not store (pool full, database down) is held before it
 * goes back to the queue (nack, requeue): without a pause it would come straight back, thousands
 * of times a second. Meanwhile the prefetch keeps the broker from handing over more.
 */
const DB_REFUSED_HOLD_MS = { db_pool_full: 200, db_unavailable: 1000 };

interface ItemMessage {
  id: string;
  created_at: number;
  priority?: string;
  payload?: string;
  deadline_at?: number;
}

export class BrokerConsumer {
  redeliveries = 0;
  retried = 0;
  gaveUp = 0;
  duplicates = 0;
  private readonly processedIds = new RecentIds();
  /** `id#attempt` of the deliveries being processed now: a copy arriving meanwhile is a duplicate too. */
  private readonly inProgress = new Set<string>();
  private readonly duplicateCounter: Counter;
  private channel?: ConfirmChannel;
  private consumerTag?: string;
  private holding = 0;
  private readonly link: AmqpLink;
  private readonly stopping = new AbortController();
  private readonly redeliveryCounter: Counter;
  private readonly outcomes = new OutcomeReporter();

  constructor(
    private readonly consumer: Consumer,
    amqpUrl: string,
    private readonly queueType: QueueType,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.link = new AmqpLink(
      amqpUrl,
      CONNECTION_NAME.consumer,
      logger,
      (model) => this.setup(model),
      () => {
        this.channel = undefined;
        this.outcomes.attach(undefined);
      },
    );
    const registers = [registry];
    this.redeliveryCounter = new Counter({
      name: 'backpressure_broker_redeliveries_total',
      help: 'Items the broker delivered again (a consumer died or disconnected holding them unacked)',
      registers,
    });
    this.duplicateCounter = new Counter({
      name: 'backpressure_broker_duplicates_total',
      help: 'Deliveries of an item this consumer had already processed (a re-sent publish, a lost ack), acked and not processed again',
      registers,
    });
    const link = this.link;
    new Gauge({
      name: 'backpressure_broker_connected',
      help: '1 while connected to the broker',
      registers,
      collect() {
        this.set(link.connected ? 1 : 0);
      },
    });
    consumer.onChange((changed) => {
      if ('max_concurrency' in changed)
        this.resubscribe().catch((err) => logger.warn({ err: (err as Error).message }, 'prefetch not changed'));
    });
  }

  start(): void {
    this.link.start();
  }

  get connected(): boolean {
    return this.link.connected;
  }

  describe() {
    const { connected, since, last_error } = this.link.state;
    return {
      backend: 'rabbitmq' as const,
      connected,
      since,
      last_error,
      queue: ITEMS_QUEUE,
      prefetch: this.consumer.settings.max_concurrency,
      holding: this.holding,
      redeliveries: this.redeliveries,
      retried: this.retried,
      gave_up: this.gaveUp,
      duplicates: this.duplicates,
      node: this.link.state.node,
      failovers: this.link.state.failovers,
      job_outcomes_sent: this.outcomes.sent,
    };
  }

  /** Stops taking items; those being processed finish (up to `deadlineMs`); the rest go back to the broker. */
  async close(deadlineMs: number): Promise<void> {
    if (this.channel && this.consumerTag) await this.channel.cancel(this.consumerTag).catch(() => {});
    const deadline = performance.now() + deadlineMs;
    while (this.holding > 0 && !this.consumer.settings.paused && performance.now() < deadline) await sleep(20);
    this.stopping.abort(); // held (paused) items are handed back unprocessed
    // The channel first: its close-ok means the broker has taken every ack sent on it. Closing only
    // the connection could lose the last acks, and the broker delivered those items again.
    this.outcomes.flush(); // the last outcomes go out before the channel closes
    const channel = this.channel;
    if (channel) {
      channel.removeAllListeners('close'); // closed on purpose: no reason to reconnect
      await channel.close().catch(() => {});
    }
    await this.link.close();
  }

  private async setup(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    reconnectOnChannelClose(model, channel);
    await declareTopology(model, channel, this.queueType);
    this.channel = channel;
    this.outcomes.attach(channel);
    await this.subscribe(channel);
  }

  /** The prefetch applies to consumers started after it is set. */
  private async subscribe(channel: ConfirmChannel): Promise<void> {
    await channel.prefetch(this.consumer.settings.max_concurrency);
    const { consumerTag } = await channel.consume(ITEMS_QUEUE, (message) => {
      if (message) void this.handle(channel, message);
    });
    this.consumerTag = consumerTag;
  }

  /**
   * max_concurrency changed: a new subscription with the new prefetch (RabbitMQ applies a
   * prefetch to consumers started after it; global prefetch is deprecated in 4.x). Items held
   * under the old one stay held and are processed and acked as usual, so for a moment the
   * consumer may hold both; it still processes no more than max_concurrency at once.
   */
  private async resubscribe(): Promise<void> {
    const channel = this.channel;
    if (!channel || !this.consumerTag) return;
    await channel.cancel(this.consumerTag);
    await this.subscribe(channel);
  }

  private async handle(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    this.holding++;
    try {
      if (message.fields.redelivered) {
        this.redeliveries++;
        this.redeliveryCounter.inc();
      }
      const item = parseItem(message.content);
      if (!item) {
        this.logger.warn({ message_id: message.properties.messageId }, 'unreadable message dead-lettered');
        channel.reject(message, false);
        return;
      }
      const headers = message.properties.headers ?? {};
      const attempt = Number(headers[HEADERS.attempts] ?? 1);
      // A copy of an item being processed now has its attempt number (a retry's copy has the next).
      const delivery = `${item.id}#${attempt}`;
      if (this.processedIds.has(item.id) || this.inProgress.has(delivery)) {
        this.duplicates++;
        this.duplicateCounter.inc();
        channel.ack(message);
        return;
      }
      this.inProgress.add(delivery);
      const result = await traceDelivery(headers, { ...item, attempt }, Number(headers[HEADERS.enqueuedAt]) || undefined, () =>
        this.processWhenFree({
          id: item.id,
          created_at: item.created_at,
          payload_bytes: Buffer.byteLength(item.payload ?? ''),
          priority: item.priority === 'high' ? 'high' : 'normal',
          attempt,
          deadline_at: typeof item.deadline_at === 'number' ? item.deadline_at : undefined,
        }),
      ).finally(() => this.inProgress.delete(delivery));
      if (result === 'processed') this.processedIds.add(item.id); // before the ack, which a dying node may lose
      if (channel !== this.channel) return; // the connection was lost meanwhile: the broker delivers it again
      if (result === 'processed') {
        channel.ack(message);
        this.reportOutcome(message, item.id, { outcome: 'done', attempts: attempt });
      } else if (result === 'expired') {
        channel.ack(message); // dropped and counted here (Consumer.expired); its job failed, as one the broker expired
        this.reportOutcome(message, item.id, { outcome: 'failed', attempts: attempt, error: 'expired: past its deadline' });
      } else if (result === 'db_pool_full' || result === 'db_unavailable') {
        await sleep(DB_REFUSED_HOLD_MS[result], undefined, { signal: this.stopping.signal }).catch(() => {});
        if (channel === this.channel) channel.nack(message, false, true); // kept by the broker, delivered again
      } else if (result === 'failed') {
        await this.failed(channel, message, item.id, attempt, Number(headers[HEADERS.maxAttempts]) || DEFAULT_MAX_ATTEMPTS);
      } else {
        channel.nack(message, false, true); // shutting down while paused: back to the queue
      }
    } catch (err) {
      // The channel closed under us (ack on a closed channel): the broker delivers it again.
      this.logger.debug({ err: (err as Error).message }, 'delivery left to the broker');
    } finally {
      this.holding--;
    }
  }

  /**
   * Processes one delivery; waits for a free slot rather than being refused (and counted as
   * busy): the prefetch is never above max_concurrency except just after it was lowered.
   */
  private async processWhenFree(item: ItemToProcess): Promise<ProcessResult> {
    const { limiter } = this.consumer;
    while (limiter.inUse >= limiter.limit) await sleep(BUSY_RETRY_MS);
    return this.consumer.process(item, this.stopping.signal);
  }

  private async failed(channel: ConfirmChannel, message: ConsumeMessage, id: string, attempt: number, maxAttempts: number): Promise<void> {
    if (attempt >= maxAttempts) {
      this.gaveUp++;
      channel.reject(message, false); // dead-lettered with reason "rejected"
      this.reportOutcome(message, id, {
        outcome: 'failed',
        attempts: attempt,
        error: `dead-lettered: failed ${attempt} attempts (max_attempts)`,
      });
      return;
    }
    const headers = { ...message.properties.headers, [HEADERS.attempts]: attempt + 1, [HEADERS.enqueuedAt]: Date.now() };
    for (;;) {
      const confirmed = await new Promise<boolean>((resolve) => {
        channel.publish('', ITEMS_QUEUE, message.content, { ...message.properties, headers }, (err: unknown) => resolve(!err));
      });
      if (channel !== this.channel) return; // lost: the original is delivered again (the copy may be there too)
      if (confirmed) break;
      await sleep(REPUBLISH_BACKOFF_MS); // the queue is full (reject-publish): hold the item and try again
    }
    this.retried++;
    channel.ack(message);
  }

  private reportOutcome(message: ConsumeMessage, id: string, outcome: Omit<JobOutcome, 'id' | 'finished_at'>): void {
    const replyTo = message.properties.replyTo;
    if (replyTo) this.outcomes.report(replyTo, { id, ...outcome, finished_at: Date.now() });
  }
}

function parseItem(content: Buffer): ItemMessage | undefined {
  try {
    const item = JSON.parse(content.toString()) as Partial<ItemMessage>;
    if (typeof item.id === 'string' && typeof item.created_at === 'number') return item as ItemMessage;
  } catch {
    // not JSON
  }
  return undefined;
}
