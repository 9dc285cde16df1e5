// Goodput beside throughput: of the items completed, how many finished within their deadline
// (goodput) and how many after it (late: work the caller no longer waited for). An item without
// a deadline can never be late. Kept once and used by both services: the consumer counts when it
// finishes processing, the producer when the consumer's answer reaches it.
import { RateWindow } from './rate-window';

/** Epoch ms after which an item is no use to its caller; 0: it has none. */
export type DeadlineAt = number;

/** True when `deadlineAt` is set and `now` is past it. */
export const pastDeadline = (deadlineAt: DeadlineAt | undefined, now = Date.now()): boolean =>
  deadlineAt !== undefined && deadlineAt > 0 && now > deadlineAt;

export class GoodputMeter {
  inTime = 0;
  late = 0;
  private readonly inTimeRate = new RateWindow(5);
  private readonly completedRate = new RateWindow(5);

  /** An item completed now; returns whether it was within its deadline. */
  completed(deadlineAt: DeadlineAt | undefined, now = Date.now()): boolean {
    this.completedRate.add();
    if (pastDeadline(deadlineAt, now)) {
      this.late++;
      return false;
    }
    this.inTime++;
    this.inTimeRate.add();
    return true;
  }

  /** Items completed within their deadline per second, over the last 5 s. */
  goodputPerSecond(): number {
    return this.inTimeRate.perSecond();
  }

  /** Items completed per second (in time or late), over the last 5 s. */
  throughputPerSecond(): number {
    return this.completedRate.perSecond();
  }
}
