// bounded — a fixed capacity. When full, either refuse the new item (overflow "reject",
// load shedding: the caller gets a 429 and may retry) or evict the oldest queued item to make
// room (overflow "drop_oldest": freshest data wins, as for telemetry or prices).
//
// When: the caller can retry or the data can be lost; memory and queue wait must stay bounded.
// Cost: lost work. With reject the newest items are lost and the caller knows; with
// drop_oldest items already accepted are lost and nobody is told except the counters.
import type { Item } from '../item';
import type { AdmissionQueue } from './admission-queue';
import type { Outcome } from './outcome';
import { outcomeOf, type Strategy } from './strategy';

export type Overflow = 'reject' | 'drop_oldest';

export class Bounded implements Strategy {
  constructor(
    private readonly queue: AdmissionQueue,
    private readonly maxSize: number,
    private readonly overflow: Overflow,
  ) {}

  limit(): number {
    return this.maxSize;
  }

  async offer(item: Item): Promise<Outcome> {
    if (this.overflow === 'reject') return outcomeOf(await this.queue.add(item, this.maxSize), 'queue_full');
    // drop_oldest. In memory, a queue above a lowered limit shrinks by one per new item, never
    // all at once; RabbitMQ's drop-head drops the excess at once (and counts it, see docs/broker.md).
    const added = await this.queue.addEvictingOldest(item, this.maxSize);
    return added.result === 'queued' ? { kind: 'queued', evicted: added.evicted } : outcomeOf(added.result, 'queue_full');
  }

  close(): void {}

  describe(): Record<string, number | string> {
    return { overflow: this.overflow };
  }
}
