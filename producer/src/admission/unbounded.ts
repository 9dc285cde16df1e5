// unbounded — accept everything.
//
// When: never in production; it is here to show why (Exercise 3).
// Cost: when producers outpace the consumer the queue, its memory and every item's wait grow
// without limit until the process runs out of memory and loses everything it held.
import type { Item } from '../item';
import type { AdmissionQueue } from './admission-queue';
import type { Outcome } from './outcome';
import { outcomeOf, type Strategy } from './strategy';

export class Unbounded implements Strategy {
  constructor(private readonly queue: AdmissionQueue) {}

  limit(): number {
    return Infinity;
  }

  async offer(item: Item): Promise<Outcome> {
    return outcomeOf(await this.queue.add(item, Infinity), 'queue_full');
  }

  close(): void {}

  describe(): Record<string, number | string> {
    return {};
  }
}
