// timeout — wait for room, but only up to `enqueue_timeout_ms`; then refuse the item.
//
// When: an SLA bounds how long a caller may wait; short bursts should be absorbed, long
// overload refused. The middle ground between block and bounded/reject.
// Cost: items can still be lost, and each refused one first cost its caller the full wait.
import type { Item } from '../item';
import type { AdmissionQueue } from './admission-queue';
import type { Outcome } from './outcome';
import { outcomeOf, type Strategy } from './strategy';

export class Timeout implements Strategy {
  constructor(
    private readonly queue: AdmissionQueue,
    private readonly maxSize: number,
    private readonly timeoutMs: number,
  ) {}

  limit(): number {
    return this.maxSize;
  }

  async offer(item: Item, signal: AbortSignal): Promise<Outcome> {
    const result = await this.queue.addWhenRoom(item, this.maxSize, signal, this.timeoutMs);
    if (result === 'queued') return { kind: 'queued' };
    if (result === 'superseded') return { kind: 'superseded' };
    if (result === 'unavailable' || result === 'full_bytes') return outcomeOf(result, 'timeout');
    return { kind: 'rejected', reason: result }; // 'timeout' or 'cancelled'
  }

  close(): void {
    this.queue.releaseWaiters();
  }

  describe(): Record<string, number | string> {
    return { enqueue_timeout_ms: this.timeoutMs };
  }
}
