// CoDel, controlled delay (Nichols & Jacobson, "Controlling Queue Delay", ACM Queue 2012), on the
// items' sojourn time (how long each waited in the queue), as Facebook uses it for RPC queues.
//
// A queue that is briefly long is fine (a burst); one whose *minimum* delay stays above `targetMs`
// for a whole `intervalMs` is a standing queue that only adds delay. CoDel notices it when the
// head's sojourn time has stayed above the target for an interval, then drops the head and enters
// a dropping state, dropping again at intervals that shrink with the square root of the drops so
// far (the control law: next = last + interval / sqrt(count)), until the head's sojourn falls back
// below the target. Re-entering soon after leaving resumes near the last drop rate.
//
// The structure below is the dequeue of RFC 8289 (CoDel's reference pseudo-code); a drop here means
// "take the head out and count it as dropped (reason codel)", carried out by the queue.
import type { Discipline, LaneView, Take } from './discipline';
import { sojournMs } from './discipline';

export class CoDel implements Discipline {
  /** When the head's sojourn time first went above target, + one interval (0: below target). */
  private firstAboveTime = 0;
  private dropping = false;
  /** When the next drop is due while dropping. */
  private dropNext = 0;
  /** Drops since entering the dropping state (sets the drop rate). */
  private count = 0;
  /** `count` when the dropping state was last entered. */
  private lastCount = 0;
  private dropped = 0;

  constructor(
    private readonly targetMs: number,
    private readonly intervalMs: number,
  ) {}

  next(lane: LaneView, now: number): Take {
    let drop = 0;
    let okToDrop = this.okToDrop(lane, drop, now);
    if (this.dropping) {
      if (!okToDrop) {
        this.dropping = false; // the delay is back below target
      } else {
        while (now >= this.dropNext && this.dropping) {
          drop++;
          this.count++;
          okToDrop = this.okToDrop(lane, drop, now);
          if (!okToDrop) this.dropping = false;
          else this.dropNext = this.controlLaw(this.dropNext);
        }
      }
    } else if (okToDrop) {
      drop++;
      this.okToDrop(lane, drop, now); // RFC 8289 dequeues the next head here, updating firstAboveTime
      this.dropping = true;
      // Back soon after the last dropping state: start from the drop rate that controlled it then.
      const delta = this.count - this.lastCount;
      this.count = delta > 1 && now - this.dropNext < 16 * this.intervalMs ? delta : 1;
      this.lastCount = this.count;
      this.dropNext = this.controlLaw(now);
    }
    this.dropped += drop;
    return { drop, end: 'head' };
  }

  describe() {
    return { dropping: this.dropping, drop_count: this.count, dropped: this.dropped };
  }

  /** Whether the item at `index` (the head once `index` items are dropped) may be dropped. */
  private okToDrop(lane: LaneView, index: number, now: number): boolean {
    const head = lane.at(index);
    // An empty queue, or one whose last item this is, is no standing queue (the paper's maxpacket).
    if (!head || lane.size - index <= 1 || sojournMs(head, now) < this.targetMs) {
      this.firstAboveTime = 0;
      return false;
    }
    if (this.firstAboveTime === 0) {
      this.firstAboveTime = now + this.intervalMs;
      return false;
    }
    return now >= this.firstAboveTime;
  }

  private controlLaw(t: number): number {
    return t + this.intervalMs / Math.sqrt(this.count);
  }
}
