// The consumer: processes one item by waiting its processing time (the simulated work), at most
// `max_concurrency` at once, with optional injected failures and a pause switch.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { activeExemplar, count, observe } from '../../common/src/exemplars';
import { GoodputMeter, pastDeadline } from '../../common/src/goodput-meter';
import { RateWindow } from '../../common/src/rate-window';
import { applyPatch, changedFields } from '../../common/src/settings';
import { type ConsumerSettings, consumerSettings } from './config';
import { ConcurrencyLimiter } from './limiter';
import { type ConsumerMetrics, createConsumerMetrics } from './metrics';

/** `expired`: the item's deadline had passed before processing began; it was dropped unprocessed. */
export type ProcessResult = 'processed' | 'failed' | 'busy' | 'cancelled' | 'expired';

export class Consumer {
  readonly limiter: ConcurrencyLimiter;
  readonly throughput = new RateWindow(5);
  processed = 0;
  failed = 0;
  rejected = 0;
  /** Items dropped unprocessed because their deadline had passed. */
  expired = 0;
  /** Processed items, within their deadline or late (work nobody waited for). */
  readonly goodput = new GoodputMeter();
  private resume = new AbortController();
  private readonly metrics: ConsumerMetrics;
  private readonly changeListeners: ((changed: Partial<ConsumerSettings>) => void)[] = [];

  constructor(
    public settings: ConsumerSettings,
    registry: Registry,
  ) {
    this.limiter = new ConcurrencyLimiter(settings.max_concurrency);
    this.metrics = createConsumerMetrics(registry, {
      inFlight: () => this.limiter.inUse,
      settings: () => this.settings,
      throughput: () => this.throughput.perSecond(),
    });
  }

  /** Validates and applies a partial update; throws a 400 and changes nothing when invalid. */
  configure(patch: unknown): Partial<ConsumerSettings> {
    const next = applyPatch(consumerSettings, this.settings, patch);
    const changed = changedFields(this.settings, next);
    this.settings = next;
    this.limiter.limit = next.max_concurrency;
    if (!next.paused) this.wakePaused();
    for (const listener of this.changeListeners) listener(changed);
    return changed;
  }

  /** Calls `listener` after every settings change (the broker consumer re-applies its prefetch). */
  onChange(listener: (changed: Partial<ConsumerSettings>) => void): void {
    this.changeListeners.push(listener);
  }

  /** Multiplies every processing time by `factor` (slow-down > 1, speed-up < 1). */
  scale(factor: number): Partial<ConsumerSettings> {
    const s = this.settings;
    return this.configure({
      processing_time_ms: Math.round(s.processing_time_ms * factor),
      processing_min_ms: Math.round(s.processing_min_ms * factor),
      processing_max_ms: Math.round(s.processing_max_ms * factor),
    });
  }

  /**
   * Processes one item; `signal` aborts when the caller has gone away. With tracing on it runs
   * inside the item's process_item span, whose trace id becomes the metrics' exemplar.
   */
  async process(createdAt: number, signal: AbortSignal, deadlineAt = 0): Promise<ProcessResult> {
    const exemplar = activeExemplar(); // the same span for the whole call
    if (pastDeadline(deadlineAt)) return this.dropExpired();
    if (!this.limiter.tryAcquire()) {
      this.rejected++;
      count(this.metrics.rejected, { reason: 'concurrency_limit' }, exemplar);
      return 'busy';
    }
    try {
      while (this.settings.paused) {
        if (signal.aborted) return 'cancelled';
        await this.pausedUntilResumed(signal);
      }
      if (pastDeadline(deadlineAt)) return this.dropExpired(); // it expired while paused
      observe(this.metrics.queueWait, Math.max(0, Date.now() - createdAt) / 1000, exemplar);
      const ms = this.processingTimeMs();
      // 0 ms means no wait: even a 0 ms timer runs a millisecond or more later, which capped each
      // slot at under 1000 items/s.
      if (ms > 0) await sleep(ms);
      observe(this.metrics.processingDuration, ms / 1000, exemplar);
      if (Math.random() < this.settings.failure_rate) {
        this.failed++;
        count(this.metrics.failed, { reason: 'injected' }, exemplar);
        return 'failed';
      }
      this.processed++;
      this.throughput.add();
      this.metrics.processed.inc();
      if (this.goodput.completed(deadlineAt)) this.metrics.inDeadline.inc();
      else this.metrics.late.inc();
      return 'processed';
    } finally {
      this.limiter.release();
    }
  }

  private dropExpired(): ProcessResult {
    this.expired++;
    this.metrics.expired.inc();
    return 'expired';
  }

  private processingTimeMs(): number {
    const s = this.settings;
    if (!s.variable_processing) return s.processing_time_ms;
    return s.processing_min_ms + Math.random() * (s.processing_max_ms - s.processing_min_ms);
  }

  private pausedUntilResumed(signal: AbortSignal): Promise<void> {
    const resumed = this.resume.signal;
    return new Promise((resolve) => {
      const done = () => {
        resumed.removeEventListener('abort', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      resumed.addEventListener('abort', done, { once: true });
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wakePaused(): void {
    this.resume.abort();
    this.resume = new AbortController();
  }
}
