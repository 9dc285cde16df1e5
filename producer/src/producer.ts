// The producer, assembled: queue, ledger, intake (admission), dispatcher and generator, and the
// settings that drive them. Routes (app.ts) call into this; nothing else holds state.
//
// With QUEUE_BACKEND=rabbitmq the queue is RabbitMQ's (broker/broker.ts): the same strategies
// admit into it, the consumer takes items from it itself, and the dispatcher is not started.
import type { Registry } from 'prom-client';
import { HttpError } from '../../common/src/http';
import type { Logger } from '../../common/src/logger';
import { applyPatch, changedFields } from '../../common/src/settings';
import { tracingEnabled } from '../../common/src/telemetry';
import { createStrategy, STRATEGY_SETTINGS, waitKindOf } from './admission';
import { Broker } from './broker/broker';
import { BROKER_ONLY_SETTINGS, brokerOnlyMessage, type ProducerSettings, producerSettings } from './config';
import { Dispatcher } from './dispatcher';
import { Generator } from './generator';
import { releaseHeapAfterClear } from './heap-release';
import { Intake } from './intake';
import { JobStore } from './jobs';
import { Ledger } from './ledger';
import { MemoryGuard, type MemoryLimit } from './memory-guard';
import { createProducerMetrics } from './metrics';
import { OpenArrivals } from './open-arrivals';
import { ItemQueue } from './queue';
import { ItemTracer } from './tracing';

export interface ProducerOptions {
  settings: ProducerSettings;
  consumerUrl: string;
  memoryLimit: MemoryLimit;
  registry: Registry;
  logger: Logger;
  /** Set for QUEUE_BACKEND=rabbitmq. */
  broker?: { amqpUrl: string; managementUrl: string };
}

export class Producer {
  settings: ProducerSettings;
  readonly queue = new ItemQueue();
  readonly jobs = new JobStore();
  readonly ledger: Ledger;
  readonly intake: Intake;
  readonly dispatcher: Dispatcher;
  /** Where the rate-driven items come from: the closed generator or open arrivals (`arrivals`). */
  private source: Generator | OpenArrivals;
  private started = false;
  readonly consumerUrl: string;
  readonly memoryGuard: MemoryGuard;
  readonly broker?: Broker;

  constructor(options: ProducerOptions) {
    this.settings = options.settings;
    this.consumerUrl = options.consumerUrl;
    this.memoryGuard = new MemoryGuard(options.memoryLimit, () => this.settings);
    const metrics = createProducerMetrics(options.registry, {
      queueDepth: () => this.queueSize(),
      depthByPriority: () => this.byPriority(),
      queueBytes: () => this.queueBytes(),
      queueLimit: () => this.intake.current.limit(),
      maxQueueSize: () => this.settings.max_queue_size,
      oldestItemAgeSeconds: () => this.oldestItemAgeSeconds(),
      inFlight: () => this.ledger.inFlight,
      admissionWaiting: () => this.intake.waiting,
      admissionWaitingBytes: () => this.intake.waitingBytes,
      tokens: () => {
        const tokens = this.intake.current.describe().tokens;
        return typeof tokens === 'number' ? tokens : undefined;
      },
      drainCapacity: () => finiteOrZero(this.drainCapacity()),
      breakerState: () => this.dispatcher.breaker.state,
      mode: () => this.settings.queue_mode,
      memoryLimitBytes: () => this.memoryGuard.limit.bytes,
      deadLetters: () => (this.broker ? this.broker.givenUpKept : this.ledger.deadLettersListed),
      jobsByState: () => this.jobs.countByState(),
    });
    const tracer = tracingEnabled()
      ? new ItemTracer({ queueSize: () => this.queueSize(), mode: () => this.settings.queue_mode })
      : undefined;
    this.ledger = new Ledger(metrics, this.jobs, tracer);
    if (options.broker) {
      this.broker = new Broker({
        ...options.broker,
        settings: () => this.settings,
        ledger: this.ledger,
        registry: options.registry,
        logger: options.logger,
      });
    }
    this.dispatcher = new Dispatcher(this.queue, this.ledger, options.consumerUrl, () => this.settings, options.logger);
    this.intake = new Intake(
      this.buildStrategy(),
      this.ledger,
      waitKindOf(this.settings.queue_mode),
      () => this.memoryGuard.shedding(),
      this.memoryGuard.limit.bytes * WAITING_CALLERS_SHARE_OF_MEMORY,
    );
    this.source = this.buildSource();
  }

  start(): void {
    this.started = true;
    if (this.broker) this.broker.start();
    else this.dispatcher.resize();
    this.source.start();
  }

  /** Offers the generator and POST /produce keep outstanding at once (offer-window.ts). */
  get offersAtOnce(): number {
    return this.broker ? BROKER_OFFERS_AT_ONCE : 1;
  }

  /** Items waiting: in the producer's queue, or ready in the broker's (last polled). */
  queueSize(): number {
    return this.broker ? this.broker.ready() : this.queue.size;
  }

  /**
   * What the waiting items weigh: the producer's heap estimate, or on the broker their message
   * bytes in RabbitMQ (ready × the last message's size: the producer's heap holds none of them).
   */
  queueBytes(): number {
    return this.broker ? this.broker.ready() * this.broker.queue.messageBytes : this.queue.bytes;
  }

  /** Items per second the consumer drains: measured by the dispatcher, or the broker's ack rate. */
  drainCapacity(): number {
    return this.broker ? this.broker.drainRate() : this.dispatcher.drainCapacity();
  }

  /** The accounting identity's numbers (ledger.ts): the producer's own with the broker. */
  accounting() {
    return this.broker ? this.ledger.brokerAccounting() : this.ledger.accounting(this.queue.size);
  }

  /**
   * Validates and applies a partial settings update (POST /admin/config). Throws a 400 and
   * changes nothing when any field is invalid. Queued items are never discarded: a queue above
   * a new, smaller limit drains down while new items are refused.
   */
  configure(patch: unknown): Partial<ProducerSettings> {
    const next = applyPatch(producerSettings, this.settings, patch);
    const changed = changedFields(this.settings, next);
    const brokerOnly = BROKER_ONLY_SETTINGS.find((key) => next[key] !== 0);
    if (brokerOnly && !this.broker) {
      throw new HttpError(400, brokerOnlyMessage(brokerOnly), { field: brokerOnly, reason: 'only with QUEUE_BACKEND=rabbitmq' });
    }
    this.settings = next;
    if (STRATEGY_SETTINGS.some((key) => key in changed)) {
      this.intake.use(this.buildStrategy(), waitKindOf(next.queue_mode));
    }
    if ('arrivals' in changed) {
      void this.source.stop(); // a closed generator's waiting offer is still decided; open callers keep waiting
      this.source = this.buildSource();
      if (this.started) this.source.start();
    } else if ('production_rate' in changed) {
      this.source.restartCount();
    }
    if (this.broker) this.broker.settingsChanged(changed);
    else this.dispatcher.resize();
    return changed;
  }

  /** Empties the queue (POST /admin/clear-queue); every removed item is counted as cleared. */
  async clearQueue(): Promise<number> {
    if (this.broker) return this.broker.clear();
    const removed = this.queue.clear();
    this.ledger.cleared(removed);
    releaseHeapAfterClear(removed.length);
    return removed.length;
  }

  /** Items waiting per priority. */
  byPriority() {
    return this.broker ? this.broker.byPriority() : { high: this.queue.sizeOf('high'), normal: this.queue.sizeOf('normal') };
  }

  oldestItemAgeSeconds(): number {
    if (this.broker) return this.broker.oldestItemAgeSeconds();
    const oldest = this.queue.oldestEnqueuedAt();
    return oldest === undefined ? 0 : (Date.now() - oldest) / 1000;
  }

  /** Stops making items and lets in-flight sends finish. */
  async shutdown(deadlineMs: number): Promise<void> {
    await Promise.race([this.source.stop(), new Promise((resolve) => setTimeout(resolve, 100))]);
    this.intake.current.close();
    if (this.broker) {
      const deadline = performance.now() + deadlineMs;
      while (this.broker.queue.publishing > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await this.broker.close(); // what is in the broker stays there
    } else {
      await this.dispatcher.stop(deadlineMs);
    }
  }

  private buildSource(): Generator | OpenArrivals {
    const settings = () => this.settings;
    return this.settings.arrivals === 'open'
      ? new OpenArrivals(this.intake, settings)
      : new Generator(this.intake, settings, this.offersAtOnce);
  }

  private buildStrategy() {
    return createStrategy(this.settings, this.broker?.queue ?? this.queue, () => this.drainCapacity());
  }
}

/** Publishes awaiting their confirm at once, per source, on the broker: enough to fill its batches. */
const BROKER_OFFERS_AT_ONCE = 100;
/** Waiting callers may hold at most this share of the memory limit (64 MB of the default 256 MB). */
const WAITING_CALLERS_SHARE_OF_MEMORY = 0.25;

const finiteOrZero = (n: number) => (Number.isFinite(n) ? n : 0);
