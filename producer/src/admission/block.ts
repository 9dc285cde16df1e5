// block — when the queue is full the producer waits until there is room (a Go channel send).
//
// When: no item may be lost and the producer can afford to wait (a batch job, a file import).
// Cost: the producer stalls; its own callers wait too, so the slowdown travels upstream. For an
// HTTP API every waiting client holds a connection open (seed 000's "blocking approach").
import type { Item } from '../item';
import type { AdmissionQueue } from './admission-queue';
import type { Outcome } from './outcome';
import { outcomeOf, type Strategy } from './strategy';

export class Block implements Strategy {
  constructor(
    private readonly queue: AdmissionQueue,
    private readonly maxSize: number,
  ) {}

  limit(): number {
    return this.maxSize;
  }

  async offer(item: Item, signal: AbortSignal): Promise<Outcome> {
    const result = await this.queue.addWhenRoom(item, this.maxSize, signal);
    if (result === 'queued') return { kind: 'queued' };
    if (result === 'superseded') return { kind: 'superseded' };
    if (result === 'unavailable' || result === 'full_bytes') return outcomeOf(result, 'queue_full');
    return { kind: 'rejected', reason: 'cancelled' }; // the caller went away while waiting
  }

  close(): void {
    this.queue.releaseWaiters();
  }

  describe(): Record<string, number | string> {
    return {};
  }
}
