// Measures how fast the consumer drains the queue, for the adaptive limit and for the
// Retry-After of a refused job. Each successful send's duration per item it delivered feeds an
// exponentially weighted moving average; `sender_concurrency` sends run at once, so the consumer
// drains
//   capacity = concurrency / average send time per item   (items per second).
// The weight (0.3) lets a 5x slow-down show within a few sends. If nothing has succeeded for a
// while although items are waiting, the consumer is stalled and capacity is 0.
import { RateWindow } from '../../common/src/rate-window';

const WEIGHT = 0.3;
const STALL_MS = 2000;

export class DrainMeter {
  private averageMs = NaN;
  private lastSuccessAt = performance.now();
  private readonly delivered = new RateWindow(5);

  /** A send of `durationMs` delivered `items` items (a batch carries several). */
  record(durationMs: number, items = 1): void {
    const perItemMs = durationMs / items;
    this.averageMs = Number.isNaN(this.averageMs) ? perItemMs : WEIGHT * perItemMs + (1 - WEIGHT) * this.averageMs;
    this.lastSuccessAt = performance.now();
    this.delivered.add(items);
  }

  /** Items per second the consumer can take at `concurrency`; Infinity before the first send. */
  capacity(concurrency: number, itemsWaiting: boolean): number {
    if (itemsWaiting && performance.now() - this.lastSuccessAt > Math.max(STALL_MS, 3 * this.averageMs)) return 0;
    if (Number.isNaN(this.averageMs)) return Infinity;
    return (concurrency * 1000) / Math.max(this.averageMs, 0.1);
  }

  /** Average send time in ms (NaN before the first send). */
  get averageSendMs(): number {
    return this.averageMs;
  }

  /** Items actually delivered per second, over the last few seconds. */
  deliveredPerSecond(): number {
    return this.delivered.perSecond();
  }
}
