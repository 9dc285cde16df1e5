// bounded — a fixed capacity. When full, either refuse the new item (overflow "reject",
// load shedding: the caller gets a 429 and may retry) or evict the oldest queued item to make
// room (overflow "drop_oldest": freshest data wins, as for telemetry or prices).
//
// When: the caller can retry or the data can be lost; memory and queue wait must stay bounded.
// Cost: lost work. With reject the newest items are lost and the caller knows; with
// drop_oldest items already accepted are lost and nobody is told except the counters.
import type { Item } from '../item';
import type { ItemQueue } from '../queue';
import type { Outcome, Strategy } from './strategy';

export type Overflow = 'reject' | 'drop_oldest';

export class Bounded implements Strategy {
  constructor(
    private readonly queue: ItemQueue,
    private readonly maxSize: number,
    private readonly overflow: Overflow,
  ) {}

  limit(): number {
    return this.maxSize;
  }

  async offer(item: Item): Promise<Outcome> {
    if (this.queue.size < this.maxSize) {
      this.queue.push(item);
      return { kind: 'queued' };
    }
    if (this.overflow === 'reject') return { kind: 'rejected', reason: 'queue_full' };
    // drop_oldest. A queue above a lowered limit shrinks by one per new item, never all at once.
    const evicted = this.queue.evictOldest();
    this.queue.push(item);
    return { kind: 'queued', evicted };
  }

  close(): void {}

  describe(): Record<string, number | string> {
    return { overflow: this.overflow };
  }
}
