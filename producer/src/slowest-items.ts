// The slowest delivered items of the last minute, and where each spent its time: admission,
// queue wait, the send, and the consumer's processing inside it. GET /recent-items serves them;
// the browser view draws them as a waterfall, so exercise 7 works without Jaeger.
//
// Bounded, and O(1) per delivered item: one slot per second of the last minute, each keeping the
// KEPT slowest items of its second. An item no slower than a full slot's slowest ten costs one
// comparison and allocates nothing.
import type { Item } from './item';

export interface ItemTiming {
  id: string;
  /** The item's trace, when tracing is on (its id links to Jaeger). */
  trace_id?: string;
  priority: Item['priority'];
  attempts: number;
  /** Epoch milliseconds. */
  delivered_at: number;
  /** Creation to delivery. */
  total_ms: number;
  /** Creation to entering the queue (last entered, after a failed send): a wait for a token or room. */
  admission_ms: number;
  /** In the queue, until a sender took it. */
  queue_ms: number;
  /** The request to the consumer, processing included. */
  send_ms: number;
  /** The consumer's processing, part of send_ms; null when it did not say (items sent in a batch). */
  process_ms: number | null;
}

export const SLOWEST_WINDOW_SECONDS = 60;
const KEPT = 10;

interface Slot {
  second: number;
  /** Slowest first, at most KEPT. */
  items: ItemTiming[];
}

export class SlowestItems {
  private readonly slots: Slot[] = Array.from({ length: SLOWEST_WINDOW_SECONDS }, () => ({ second: -1, items: [] }));

  /** `item` was delivered now; its send took `sendMs`, the consumer said it processed it in `processMs`. */
  record(item: Item, sendMs: number, processMs: number | undefined, now = Date.now()): void {
    const second = Math.floor(now / 1000);
    const slot = this.slots[second % SLOWEST_WINDOW_SECONDS];
    if (slot.second !== second) {
      slot.second = second;
      slot.items = [];
    }
    const totalMs = now - item.created_at;
    if (slot.items.length === KEPT && totalMs <= slot.items[KEPT - 1].total_ms) return;
    const sendStarted = now - sendMs;
    const timing: ItemTiming = {
      id: item.id,
      priority: item.priority,
      attempts: item.attempts + 1,
      delivered_at: now,
      total_ms: totalMs,
      admission_ms: Math.max(0, item.enqueued_at - item.created_at),
      queue_ms: Math.max(0, Math.round(sendStarted - item.enqueued_at)),
      send_ms: Math.round(sendMs),
      process_ms: processMs ?? null,
    };
    if (item.trace) timing.trace_id = item.trace.traceId;
    const at = slot.items.findIndex((t) => t.total_ms < totalMs);
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
}
