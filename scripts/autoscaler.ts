// The consumer autoscaler of `AUTOSCALE=1 QUEUE_BACKEND=rabbitmq npm start`, done the way KEDA's
// RabbitMQ scaler does it: keep ceil(depth ÷ TARGET_ITEMS_PER_CONSUMER) consumers, within
// MIN_CONSUMERS … MAX_CONSUMERS. It scales up as soon as the depth asks for it, and down only
// SCALE_COOLDOWN_S after its last change, so that it does not flap (as Kubernetes' HPA does). The depth is the broker's ready count, read over AMQP as the producer reads
// it (producer/src/broker/broker.ts): exact at that moment, where the management statistics lag.
//
// It only decides; the supervisor starts and stops the processes. A consumer is removed with
// SIGTERM: it cancels its subscription, finishes and acks what it holds, then closes (anything it
// could not finish goes back to the queue), so scaling down loses nothing.
// Each decision is a log line ("scaled 2 → 4: depth 380, target 100"), metrics and a span.
import { trace } from '@opentelemetry/api';
import type { Channel, ChannelModel } from 'amqplib';
import { Counter, Gauge, type Registry } from 'prom-client';
import { AmqpLink, reconnectOnChannelClose } from '../common/src/amqp-link';
import { declareTopology, ITEMS_QUEUE } from '../common/src/broker-topology';
import type { QueueType } from '../common/src/env';
import type { Logger } from '../common/src/logger';
import { tracingEnabled } from '../common/src/telemetry';

const MAX_DECISIONS_KEPT = 20;

export interface ScalerSettings {
  minConsumers: number;
  maxConsumers: number;
  targetItemsPerConsumer: number;
  cooldownSeconds: number;
  /** How often the depth is read and a decision made. */
  intervalMs: number;
}

/** The consumer count the rule asks for at this depth. */
export function desiredConsumers(depth: number, s: ScalerSettings): number {
  return Math.min(s.maxConsumers, Math.max(s.minConsumers, Math.ceil(depth / s.targetItemsPerConsumer)));
}

export interface Scalable {
  count(): number;
  /** Adds or removes consumers until there are `to`; resolves when done. */
  scaleTo(to: number): Promise<void>;
}

export class Autoscaler {
  depth?: number;
  private channel?: Channel;
  private readonly link: AmqpLink;
  private lastChange = -Infinity;
  private timer?: NodeJS.Timeout;
  private busy = false;
  /** The latest decisions, oldest first: the browser view draws them on a timeline. */
  private readonly decisions: { at: string; from: number; to: number; depth: number; why: string }[] = [];
  private readonly scaleEvents: Counter;

  constructor(
    amqpUrl: string,
    private readonly queueType: QueueType,
    private readonly settings: ScalerSettings,
    private readonly consumers: Scalable,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.link = new AmqpLink(
      amqpUrl,
      'backpressure-lab autoscaler',
      logger,
      (model) => this.setup(model),
      () => (this.channel = undefined),
    );
    const registers = [registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('backpressure_autoscaler_consumers', 'Consumers running now', () => consumers.count());
    gauge('backpressure_autoscaler_desired_consumers', 'Consumers the rule asks for: ceil(depth / target) within min and max', () =>
      this.desired(),
    );
    gauge('backpressure_autoscaler_queue_depth', 'Ready items in lab.items, as the autoscaler last read them', () => this.depth ?? 0);
    gauge('backpressure_autoscaler_target_items_per_consumer', 'TARGET_ITEMS_PER_CONSUMER', () => settings.targetItemsPerConsumer);
    this.scaleEvents = new Counter({
      name: 'backpressure_autoscaler_scale_events_total',
      help: 'Times the autoscaler changed the consumer count',
      labelNames: ['direction'],
      registers,
    });
  }

  start(): void {
    this.link.start();
    this.timer = setInterval(() => void this.tick(), this.settings.intervalMs);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.link.close();
  }

  describe() {
    const s = this.settings;
    return {
      enabled: true,
      broker_connected: this.link.connected,
      depth: this.depth ?? null,
      consumers: this.consumers.count(),
      desired: this.desired(),
      min_consumers: s.minConsumers,
      max_consumers: s.maxConsumers,
      target_items_per_consumer: s.targetItemsPerConsumer,
      cooldown_seconds: s.cooldownSeconds,
      last_decision: this.decisions.at(-1) ?? null,
      decisions: this.decisions,
    };
  }

  private desired(): number {
    return desiredConsumers(this.depth ?? 0, this.settings);
  }

  private async setup(model: ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    reconnectOnChannelClose(model, channel);
    await declareTopology(model, channel, this.queueType);
    this.channel = channel;
  }

  /** Reads the depth, then scales when the rule asks for another count and the cooldown is over. */
  private async tick(): Promise<void> {
    if (this.busy || !this.channel) return;
    this.busy = true;
    try {
      this.depth = (await this.channel.checkQueue(ITEMS_QUEUE)).messageCount;
      const from = this.consumers.count();
      const to = this.desired();
      // Up at once (a backlog only waits longer); down only after the cooldown, so that it does not flap.
      const cooled = performance.now() - this.lastChange >= this.settings.cooldownSeconds * 1000;
      if (to > from || (to < from && cooled)) await this.scale(from, to, this.depth);
    } catch {
      // the connection was lost: the link reconnects, the next tick reads again
    } finally {
      this.busy = false;
    }
  }

  private async scale(from: number, to: number, depth: number): Promise<void> {
    const target = this.settings.targetItemsPerConsumer;
    const fields = { from, to, depth, target };
    const act = async () => {
      this.logger.info(fields, `scaled ${from} → ${to}: depth ${depth}, target ${target}`);
      this.scaleEvents.inc({ direction: to > from ? 'up' : 'down' });
      const why = `${depth} ready ÷ ${target} per consumer${to === this.settings.maxConsumers || to === this.settings.minConsumers ? `, within ${this.settings.minConsumers}…${this.settings.maxConsumers}` : ''}`;
      this.decisions.push({ at: new Date().toISOString(), from, to, depth, why });
      if (this.decisions.length > MAX_DECISIONS_KEPT) this.decisions.shift();
      await this.consumers.scaleTo(to);
      this.lastChange = performance.now(); // the cooldown counts from when the change is done
    };
    if (!tracingEnabled()) return act();
    await trace
      .getTracer('backpressure-lab')
      .startActiveSpan(
        'autoscale',
        { attributes: { 'consumers.from': from, 'consumers.to': to, 'queue.depth': depth, 'autoscale.target_items_per_consumer': target } },
        async (span) => {
          try {
            await act();
          } finally {
            span.end();
          }
        },
      );
  }
}
