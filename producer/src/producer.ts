// The producer, assembled: ledger, intake (admission), the queue backend and the generator, and
// the settings that drive them. Routes (routes/) call into this; nothing else holds state.
//
// Where admitted items wait and how they reach a consumer is the queue backend's business
// (backend/queue-backend.ts): main.ts chooses it, the producer only talks to the interface.
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/src/logger';
import { applyPatch, changedFields } from '../../common/src/settings';
import { tracingEnabled } from '../../common/src/telemetry';
import { createStrategy, STRATEGY_SETTINGS, waitKindOf } from './admission';
import type { BackendFactory, QueueBackend } from './backend/queue-backend';
import { CallerStats } from './caller-stats';
import { type ProducerSettings, producerSettings } from './config';
import { Generator } from './generator';
import { Intake } from './intake';
import { JobStore } from './jobs';
import { Ledger } from './ledger';
import { MemoryGuard, type MemoryLimit } from './memory-guard';
import { createProducerMetrics } from './metrics';
import { OpenArrivals } from './open-arrivals';
import { ItemTracer } from './tracing';

export interface ProducerOptions {
  settings: ProducerSettings;
  /** Shown in /status `config.consumer_url`. */
  consumerUrl: string;
  memoryLimit: MemoryLimit;
  registry: Registry;
  logger: Logger;
  /** The queue backend (main.ts's choice), built once the ledger exists. */
  backend: BackendFactory;
}

export class Producer {
  settings: ProducerSettings;
  readonly jobs = new JobStore();
  readonly ledger: Ledger;
  readonly intake: Intake;
  readonly backend: QueueBackend;
  /** What makes the rate-driven items: the closed generator or open arrivals (setting `arrivals`). */
  private driver: Generator | OpenArrivals;
  private started = false;
  readonly consumerUrl: string;
  readonly memoryGuard: MemoryGuard;
  /** What open arrivals' callers with a timeout did (GET /status `callers`). */
  readonly callers = new CallerStats();

  constructor(options: ProducerOptions) {
    this.settings = options.settings;
    this.consumerUrl = options.consumerUrl;
    this.memoryGuard = new MemoryGuard(options.memoryLimit, () => this.settings);
    const metrics = createProducerMetrics(options.registry, {
      backend: () => this.backend.describe(),
      queueLimit: () => this.intake.current.limit(),
      maxQueueSize: () => this.settings.max_queue_size,
      admissionWaiting: () => this.intake.waiting,
      admissionWaitingBytes: () => this.intake.waitingBytes,
      tokens: () => {
        const tokens = this.intake.current.describe().tokens;
        return typeof tokens === 'number' ? tokens : undefined;
      },
      mode: () => this.settings.queue_mode,
      memoryLimitBytes: () => this.memoryGuard.limit.bytes,
      deadLetters: () => this.backend.deadLettersKept(),
      jobsByState: () => this.jobs.countByState(),
    });
    const tracer = tracingEnabled()
      ? new ItemTracer({ queueSize: () => this.backend.depth(), mode: () => this.settings.queue_mode })
      : undefined;
    this.ledger = new Ledger(metrics, this.jobs, tracer);
    this.backend = options.backend({
      settings: () => this.settings,
      ledger: this.ledger,
      registry: options.registry,
      logger: options.logger,
    });
    this.intake = new Intake(
      this.buildStrategy(),
      this.ledger,
      waitKindOf(this.settings.queue_mode),
      () => this.memoryGuard.shedding(),
      this.memoryGuard.limit.bytes * WAITING_CALLERS_SHARE_OF_MEMORY,
    );
    this.driver = this.buildDriver();
  }

  start(): void {
    this.started = true;
    this.backend.start();
    this.driver.start();
  }

  /** Items waiting in the queue backend. */
  queueSize(): number {
    return this.backend.depth();
  }

  /**
   * Validates and applies a partial settings update (POST /admin/config); resolves once it is in
   * force. Throws a 400 and changes nothing when any field is invalid, or is one the backend
   * cannot honour. Queued items are never discarded: a queue above a new, smaller limit drains
   * down while new items are refused.
   */
  async configure(patch: unknown): Promise<Partial<ProducerSettings>> {
    const next = applyPatch(producerSettings, this.settings, patch);
    this.backend.validate(next);
    const changed = changedFields(this.settings, next);
    this.settings = next;
    if (STRATEGY_SETTINGS.some((key) => key in changed)) {
      this.intake.use(this.buildStrategy(), waitKindOf(next.queue_mode));
    }
    if ('arrivals' in changed) {
      void this.driver.stop(); // a closed generator's waiting offer is still decided; open callers keep waiting
      this.driver = this.buildDriver();
      if (this.started) this.driver.start();
    } else if ('production_rate' in changed) {
      this.driver.restartCount();
    }
    await this.backend.settingsChanged(changed);
    return changed;
  }

  /** Empties the queue (POST /admin/clear-queue); every removed item is counted as cleared. */
  clearQueue(): Promise<number> {
    return this.backend.clear();
  }

  /** The accounting identity's numbers (ledger.ts), as the backend keeps them. */
  accounting() {
    return this.backend.accounting();
  }

  /** Stops making items and lets in-flight work finish. */
  async shutdown(deadlineMs: number): Promise<void> {
    await Promise.race([this.driver.stop(), new Promise((resolve) => setTimeout(resolve, 100))]);
    this.intake.current.close();
    await this.backend.stop(deadlineMs);
  }

  private buildDriver(): Generator | OpenArrivals {
    const settings = () => this.settings;
    return this.settings.arrivals === 'open'
      ? new OpenArrivals(this.intake, settings, this.ledger.outcomes, this.callers)
      : new Generator(this.intake, settings, this.backend.offersAtOnce);
  }

  private buildStrategy() {
    return createStrategy(this.settings, this.backend.admissionQueue, () => this.backend.drainRate());
  }
}

/** Waiting callers may hold at most this share of the memory limit (64 MB of the default 256 MB). */
const WAITING_CALLERS_SHARE_OF_MEMORY = 0.25;
