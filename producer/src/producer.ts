// The producer, assembled: queue, ledger, intake (admission), dispatcher and generator, and the
// settings that drive them. Routes (app.ts) call into this; nothing else holds state.
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/src/logger';
import { applyPatch, changedFields } from '../../common/src/settings';
import { tracingEnabled } from '../../common/src/telemetry';
import { createStrategy, STRATEGY_SETTINGS, waitKindOf } from './admission';
import { producerSettings, type ProducerSettings } from './config';
import { Dispatcher } from './dispatcher';
import { Generator } from './generator';
import { releaseHeapAfterClear } from './heap-release';
import { Intake } from './intake';
import { JobStore } from './jobs';
import { Ledger } from './ledger';
import { MemoryGuard, type MemoryLimit } from './memory-guard';
import { createProducerMetrics } from './metrics';
import { ItemQueue } from './queue';
import { ItemTracer } from './tracing';

export interface ProducerOptions {
  settings: ProducerSettings;
  consumerUrl: string;
  memoryLimit: MemoryLimit;
  registry: Registry;
  logger: Logger;
}

export class Producer {
  settings: ProducerSettings;
  readonly queue = new ItemQueue();
  readonly jobs = new JobStore();
  readonly ledger: Ledger;
  readonly intake: Intake;
  readonly dispatcher: Dispatcher;
  readonly generator: Generator;
  readonly consumerUrl: string;
  readonly memoryGuard: MemoryGuard;

  constructor(options: ProducerOptions) {
    this.settings = options.settings;
    this.consumerUrl = options.consumerUrl;
    this.memoryGuard = new MemoryGuard(options.memoryLimit, () => this.settings);
    const metrics = createProducerMetrics(options.registry, {
      queueDepth: () => this.queue.size,
      depthByPriority: () => ({ high: this.queue.sizeOf('high'), normal: this.queue.sizeOf('normal') }),
      queueBytes: () => this.queue.bytes,
      queueLimit: () => this.intake.current.limit(),
      maxQueueSize: () => this.settings.max_queue_size,
      oldestItemAgeSeconds: () => this.oldestItemAgeSeconds(),
      inFlight: () => this.ledger.inFlight,
      admissionWaiting: () => this.intake.waiting,
      tokens: () => {
        const tokens = this.intake.current.describe().tokens;
        return typeof tokens === 'number' ? tokens : undefined;
      },
      drainCapacity: () => finiteOrZero(this.dispatcher.drainCapacity()),
      breakerState: () => this.dispatcher.breaker.state,
      mode: () => this.settings.queue_mode,
      memoryLimitBytes: () => this.memoryGuard.limit.bytes,
      deadLetters: () => this.ledger.deadLettersListed,
      jobsByState: () => this.jobs.countByState(),
    });
    const tracer = tracingEnabled()
      ? new ItemTracer({ queueSize: () => this.queue.size, mode: () => this.settings.queue_mode })
      : undefined;
    this.ledger = new Ledger(metrics, this.jobs, tracer);
    this.dispatcher = new Dispatcher(this.queue, this.ledger, options.consumerUrl, () => this.settings, options.logger);
    this.intake = new Intake(this.buildStrategy(), this.ledger, waitKindOf(this.settings.queue_mode), () =>
      this.memoryGuard.shedding(),
    );
    this.generator = new Generator(this.intake, () => this.settings);
  }

  start(): void {
    this.dispatcher.resize();
    this.generator.start();
  }

  /**
   * Validates and applies a partial settings update (POST /admin/config). Throws a 400 and
   * changes nothing when any field is invalid. Queued items are never discarded: a queue above
   * a new, smaller limit drains down while new items are refused.
   */
  configure(patch: unknown): Partial<ProducerSettings> {
    const next = applyPatch(producerSettings, this.settings, patch);
    const changed = changedFields(this.settings, next);
    this.settings = next;
    if (STRATEGY_SETTINGS.some((key) => key in changed)) {
      this.intake.use(this.buildStrategy(), waitKindOf(next.queue_mode));
    }
    if ('production_rate' in changed) this.generator.restartCount();
    this.dispatcher.resize();
    return changed;
  }

  /** Empties the queue (POST /admin/clear-queue); every removed item is counted as cleared. */
  clearQueue(): number {
    const removed = this.queue.clear();
    this.ledger.cleared(removed);
    releaseHeapAfterClear(removed.length);
    return removed.length;
  }

  oldestItemAgeSeconds(): number {
    const oldest = this.queue.oldestEnqueuedAt();
    return oldest === undefined ? 0 : (Date.now() - oldest) / 1000;
  }

  /** Stops making items and lets in-flight sends finish. */
  async shutdown(deadlineMs: number): Promise<void> {
    await Promise.race([this.generator.stop(), new Promise((resolve) => setTimeout(resolve, 100))]);
    this.intake.current.close();
    await this.dispatcher.stop(deadlineMs);
  }

  private buildStrategy() {
    return createStrategy(this.settings, this.queue, () => this.dispatcher.drainCapacity());
  }
}

const finiteOrZero = (n: number) => (Number.isFinite(n) ? n : 0);
