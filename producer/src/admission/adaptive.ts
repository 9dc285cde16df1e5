// adaptive — the queue limit follows what the consumer can drain right now (seed 003's
// challenge). Little's law: a queue of L items drained at λ items/s makes the last one wait
// L / λ seconds, so to keep queue wait under the target W, admit at most L = λ × W items.
// λ is measured continuously by the queue backend (the dispatcher's capacity, ../drain-meter.ts,
// or the broker's ack rate), so the limit shrinks
// as soon as the consumer slows and grows back when it speeds up, within [min, max].
// Over the limit, new items are refused (reason adaptive_limit).
//
// When: consumer speed varies and a latency target matters more than a fixed item count.
// Cost: the limit lags the consumer by the measurement window, and the target is a bound on
// average wait, not a guarantee for every item; items are still lost when over the limit.
import type { Item } from '../item';
import type { AdmissionQueue } from './admission-queue';
import type { Outcome } from './outcome';
import { outcomeOf, type Strategy } from './strategy';

export class Adaptive implements Strategy {
  constructor(
    private readonly queue: AdmissionQueue,
    /** Items per second the queue backend measures leaving for the consumers (QueueBackend.drainRate). */
    private readonly drainRate: () => number,
    private readonly targetLatencyMs: number,
    private readonly minSize: number,
    private readonly maxSize: number,
  ) {}

  limit(): number {
    const littlesLaw = Math.floor((this.drainRate() * this.targetLatencyMs) / 1000);
    return Math.min(this.maxSize, Math.max(this.minSize, littlesLaw));
  }

  async offer(item: Item): Promise<Outcome> {
    return outcomeOf(await this.queue.add(item, this.limit()), 'adaptive_limit');
  }

  close(): void {}

  describe(): Record<string, number | string> {
    return {
      drain_rate_per_s: Math.round(this.drainRate() * 100) / 100,
      target_latency_ms: this.targetLatencyMs,
      min_size: this.minSize,
      max_size: this.maxSize,
    };
  }
}
