// The slowest items of the last minute and where each spent its time, bounded and O(1) per item:
// one slot per second of the last minute, each keeping the KEPT slowest items of its second. An
// item no slower than a full slot's slowest ten costs one comparison and allocates nothing.
// The producer fills it as it delivers (producer/src/slowest-items.ts); on the broker, where the
// producer never sees a delivery, each consumer fills its own as it processes.
import { z } from 'zod';

export interface ItemTiming {
  id: string;
  /** The item's trace, when tracing is on (its id links to Jaeger). */
  trace_id?: string;
  priority: 'high' | 'normal';
  attempts: number;
  /** Epoch milliseconds. */
  delivered_at: number;
  /** Creation to delivery. */
  total_ms: number;
  /** Creation to entering the queue (last entered, after a failed send): a wait for a token or room. */
  admission_ms: number;
  /** In the queue, until a sender (or, on the broker, a consumer) took it. */
  queue_ms: number;
  /** The request to the consumer, processing included (on the broker: the processing). */
  send_ms: number;
  /** The consumer's processing, part of send_ms; null when it did not say (items sent in a batch). */
  process_ms: number | null;
  /** The consumer that processed it, when a consumer recorded it. */
  consumer?: string;
}

export const SLOWEST_WINDOW_SECONDS = 60;

/** GET /recent-items?seconds=&limit= (producer and consumer alike). */
export const recentItemsQuery = z.object({
  seconds: z.coerce.number().int().min(1).max(SLOWEST_WINDOW_SECONDS).default(SLOWEST_WINDOW_SECONDS),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});
const KEPT = 10;

interface Slot {
  second: number;
  /** Slowest first, at most KEPT. */
  items: ItemTiming[];
}

export class SlowestWindow {
  private readonly slots: Slot[] = Array.from({ length: SLOWEST_WINDOW_SECONDS }, () => ({ second: -1, items: [] }));

  /** Whether an item of `totalMs` finished at `now` would be kept (so that the caller builds its timing only then). */
  wouldKeep(totalMs: number, now: number): boolean {
    const slot = this.slotOf(now);
    return slot.items.length < KEPT || totalMs > (slot.items[KEPT - 1]?.total_ms ?? -1);
  }

  add(timing: ItemTiming, now = timing.delivered_at): void {
    if (!this.wouldKeep(timing.total_ms, now)) return;
    const slot = this.slotOf(now);
    const at = slot.items.findIndex((t) => t.total_ms < timing.total_ms);
    slot.items.splice(at === -1 ? slot.items.length : at, 0, timing);
    if (slot.items.length > KEPT) slot.items.pop();
  }

  /** The `limit` slowest items delivered in the last `seconds` seconds, slowest first. */
  slowest(seconds: number, limit: number, now = Date.now()): ItemTiming[] {
    const current = Math.floor(now / 1000);
    return this.slots
      .filter((slot) => slot.second > current - seconds && slot.second <= current)
      .flatMap((slot) => slot.items)
      .sort((a, b) => b.total_ms - a.total_ms)
      .slice(0, limit);
  }

  /** The slot of `now`'s second, emptied when it last held an older second. */
  private slotOf(now: number): Slot {
    const second = Math.floor(now / 1000);
    const slot = this.slots[second % SLOWEST_WINDOW_SECONDS] as Slot;
    if (slot.second !== second) {
      slot.second = second;
      slot.items = [];
    }
    return slot;
  }
}
