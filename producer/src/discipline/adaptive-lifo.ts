// Adaptive LIFO (Facebook, "Fail at Scale", ACM Queue 2015): while the queue is short and young
// serve the oldest first (fair, FIFO); once it holds more than `threshold` items or its oldest
// item has waited longer than `ageMs`, serve the newest first. Under overload the newest items
// are the ones whose callers are still waiting, so they are served within their deadlines, while
// the old ones sink to the head and expire there (max_item_age_ms, deadlines) instead of being
// served late. Nothing is dropped here.
import { type Discipline, type LaneView, SERVE_NEWEST, SERVE_OLDEST, sojournMs, type Take } from './discipline';

export class AdaptiveLifo implements Discipline {
  private lifo = false;
  private switches = 0;

  constructor(
    private readonly threshold: number,
    private readonly ageMs: number,
  ) {}

  next(lane: LaneView, now: number): Take {
    const oldest = lane.at(0);
    const overloaded = lane.size > this.threshold || (oldest !== undefined && sojournMs(oldest, now) > this.ageMs);
    if (overloaded !== this.lifo) this.switches++;
    this.lifo = overloaded;
    return overloaded ? SERVE_NEWEST : SERVE_OLDEST;
  }

  describe() {
    return { serving: this.lifo ? 'newest' : 'oldest', switches: this.switches };
  }
}
