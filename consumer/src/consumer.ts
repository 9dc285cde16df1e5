// The consumer: processes one item by waiting its processing time (the simulated work), at most
// `max_concurrency` at once, with optional injected failures and a pause switch.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { activeExemplar, count, observe } from '../../common/src/exemplars';
import { GoodputMeter, pastDeadline } from '../../common/src/goodput-meter';
import { LatencyWindow } from '../../common/src/latency-window';
import { RateWindow } from '../../common/src/rate-window';
import { applyPatch, changedFields } from '../../common/src/settings';
import { SlowestWindow } from '../../common/src/slowest-window';
import { type ConsumerSettings, consumerSettings } from './config';
import { type Downstream, type ItemToWrite, NoDownstream } from './downstream/downstream';
import { ConcurrencyLimiter } from './limiter';
import { type ConsumerMetrics, createConsumerMetrics } from './metrics';

/**
 * db_pool_full and db_unavailable: processed, but its downstream did not store it (downstream/downstream.ts).
 * `expired`: the item's deadline had passed before processing began; it was dropped unprocessed.
 */
export type ProcessResult = 'processed' | 'failed' | 'busy' | 'cancelled' | 'db_pool_full' | 'db_unavailable' | 'expired';

/**
 * What the consumer knows of an item: what it writes downstream, for the slowest items' waterfall
 * its priority and attempt, and its deadline (epoch ms; 0 or absent: none).
 */
export interface ItemToProcess extends ItemToWrite {
  priority?: 'high' | 'normal';
  attempt?: number;
  deadline_at?: number;
}

export class Consumer {
  readonly limiter: ConcurrencyLimiter;
  readonly throughput = new RateWindow(5);
  /** The last seconds' actual durations, for the quantiles of /status (exact to 1%). */
  readonly latency = { queueWait: new LatencyWindow(), processing: new LatencyWindow(), endToEnd: new LatencyWindow() };
  /** The slowest items it processed in the last minute (GET /recent-items): on the broker the producer sees no delivery. */
  readonly slowest = new SlowestWindow();
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
    private readonly name = 'consumer',
    /** Where a processed item is written (DOWNSTREAM); nothing by default. */
    readonly downstream: Downstream = new NoDownstream(),
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
    this.downstream.configure(next);
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
  async process(item: ItemToProcess, signal: AbortSignal): Promise<ProcessResult> {
    const exemplar = activeExemplar(); // the same span for the whole call
    if (pastDeadline(item.deadline_at)) return this.dropExpired();
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
      if (pastDeadline(item.deadline_at)) return this.dropExpired(); // it expired while paused
      const waited = Math.max(0, Date.now() - item.created_at) / 1000;
      observe(this.metrics.queueWait, waited, exemplar);
      this.latency.queueWait.record(waited);
      const started = performance.now();
      const ms = this.processingTimeMs();
      // 0 ms means no wait: even a 0 ms timer runs a millisecond or more later, which capped each
      // slot at under 1000 items/s.
      if (ms > 0) await sleep(ms);
      // Processed only once its downstream has it (with DOWNSTREAM=postgres: the row committed).
      const outcome = Math.random() < this.settings.failure_rate ? 'failed' : await this.downstream.write(item);
      const took = (performance.now() - started) / 1000; // the work and the write, timer lateness included
      observe(this.metrics.processingDuration, took, exemplar);
      this.latency.processing.record(took);
      if (outcome === 'failed') {
        this.failed++;
        count(this.metrics.failed, { reason: 'injected' }, exemplar);
        return 'failed';
      }
      if (outcome === 'db_pool_full') {
        this.rejected++;
        count(this.metrics.rejected, { reason: 'db_pool_full' }, exemplar);
      }
      if (outcome !== 'written') return outcome;
      const endToEnd = Math.max(0, Date.now() - item.created_at) / 1000;
      observe(this.metrics.endToEnd, endToEnd, exemplar);
      this.latency.endToEnd.record(endToEnd);
      this.recordSlowest(item, exemplar?.trace_id, endToEnd, waited, took);
      this.processed++;
      this.throughput.add();
      this.metrics.processed.inc();
      if (this.goodput.completed(item.deadline_at)) this.metrics.inDeadline.inc();
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

  private recordSlowest(item: ItemToProcess, traceId: string | undefined, totalS: number, waitedS: number, tookS: number): void {
    const now = Date.now();
    if (!this.slowest.wouldKeep(totalS * 1000, now)) return;
    const processMs = Math.round(tookS * 1000);
    this.slowest.add({
      id: item.id,
      ...(traceId ? { trace_id: traceId } : {}),
      priority: item.priority ?? 'normal',
      attempts: item.attempt ?? 1,
      delivered_at: now,
      total_ms: Math.round(totalS * 1000),
      admission_ms: 0, // the producer's part, unknown here: counted in the queue wait
      queue_ms: Math.round(waitedS * 1000),
      send_ms: processMs,
      process_ms: processMs,
      consumer: this.name,
    });
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
