// sample — below the high-water mark keep everything; above it keep only 1 in `sample_rate`
// items and discard the rest on purpose. `max_queue_size` still caps the queue.
//
// When: items are interchangeable samples of a stream (metrics, logs, positions) and a thinner
// stream is worth more than a late one (seed 001's log aggregation with sampling).
// Cost: deliberate loss, spread evenly instead of in a block, so statistics stay usable but
// any single item may be gone.
import type { Item } from '../item';
import type { AdmissionQueue } from './admission-queue';
import type { Outcome } from './outcome';
import { outcomeOf, type Strategy } from './strategy';

export class Sample implements Strategy {
  private seenAboveMark = 0;

  constructor(
    private readonly queue: AdmissionQueue,
    private readonly maxSize: number,
    private readonly highWaterMark: number,
    private readonly keepOneIn: number,
  ) {}

  limit(): number {
    return this.maxSize;
  }

  async offer(item: Item): Promise<Outcome> {
    if (this.queue.size >= this.highWaterMark) {
      // Deterministic 1-in-N rather than random: the kept fraction is exact and testable.
      if (this.seenAboveMark++ % this.keepOneIn !== 0) return { kind: 'sampled_out' };
    } else {
      this.seenAboveMark = 0;
    }
    return outcomeOf(await this.queue.add(item, this.maxSize), 'queue_full');
  }

  close(): void {}

  describe(): Record<string, number | string> {
    return { high_water_mark: this.highWaterMark, keep_one_in: this.keepOneIn };
  }
}
