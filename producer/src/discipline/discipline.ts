// A queue discipline: which waiting item a sender gets next, and which ones it drops instead.
// The in-memory queue (../queue.ts) asks its discipline before every take, separately for each
// priority lane, and carries the answer out at once. Three implementations, one file each:
//   - fifo.ts: the oldest first, never drops (the default);
//   - codel.ts: the oldest first, but drops from the head while the queue delay stays too long
//     (CoDel, Nichols & Jacobson 2012);
//   - adaptive-lifo.ts: the newest first while the queue is long or old, else the oldest
//     (Facebook, "Fail at Scale", 2015).
// A discipline reads the clock only through the `now` it is given, so tests can drive it.
import type { Item } from '../item';

/** The lane as a discipline sees it: its length and its items by place (0: the oldest). */
export interface LaneView {
  readonly size: number;
  at(index: number): Item | undefined;
}

/** What to do for the next take: drop `drop` items from the head, then serve from `end`. */
export interface Take {
  drop: number;
  end: 'head' | 'tail';
}

export interface Discipline {
  /** Decides the next take from `lane` (not empty) at `now` (epoch ms); called once per take. */
  next(lane: LaneView, now: number): Take;
  /** The discipline's own figures for GET /status. */
  describe(): Record<string, number | string | boolean>;
}

export const SERVE_OLDEST: Take = { drop: 0, end: 'head' };
export const SERVE_NEWEST: Take = { drop: 0, end: 'tail' };

/** How long `item` has waited in the queue at `now`. */
export const sojournMs = (item: Item, now: number): number => now - item.enqueued_at;
