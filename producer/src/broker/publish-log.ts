// When each item this producer published was enqueued, in the order the broker confirmed them:
// the age of the oldest ready item, exact and without the management API's lag.
//
// lab.items delivers first in, first out, and what leaves it otherwise (drop-head, TTL expiry)
// leaves from the head too. So the `ready` items are the `ready` newest confirmed ones, and the
// oldest of them is the ready-th from the end of this log. The ready count is polled over AMQP
// every 100 ms (exact at that moment), so the age is as fresh as that poll. A poll counts only what
// was confirmed before it was asked: confirms that arrive while it is on its way are not in it (a
// busy event loop once applied a count of 0 to five items confirmed meanwhile, and lost them).
//
// The log cannot answer (undefined: the caller falls back to the broker's head timestamp) when
// the ready items are not simply its newest ones: more are ready than it holds (another
// producer's items, items from before a restart, ones a consumer put back), or high-priority items
// among them, which the broker delivers first.
import type { Priority } from '../item';

/** Entries kept beyond the ready ones before the delivered ones are let go in one go. */
const COMPACT_AFTER = 1024;
/** Most entries kept (16 bytes each): a deeper queue falls back to the broker's head timestamp. */
const MAX_KEPT = 100_000;

export class PublishLog {
  private enqueuedAt: number[] = [];
  private priorities: Priority[] = [];
  /** Entries let go from the front of the arrays: entry i is the (dropped + i)-th confirmed item. */
  private dropped = 0;
  /** Index of the oldest entry still ready at the last poll (entries after it were confirmed since). */
  private head = 0;
  private highKept = 0;
  /** The last poll's ready items were all in the log. */
  private covered = true;

  /** The broker confirmed an item enqueued at `enqueuedAt` (ms since the epoch). */
  confirmed(enqueuedAt: number, priority: Priority): void {
    this.enqueuedAt.push(enqueuedAt);
    this.priorities.push(priority);
    if (priority === 'high') this.highKept++;
    if (this.enqueuedAt.length - this.head > MAX_KEPT) {
      this.covered = false;
      this.dropUpTo(this.head + 1);
    }
  }

  /** Items confirmed so far. */
  get confirmedTotal(): number {
    return this.dropped + this.enqueuedAt.length;
  }

  /**
   * The broker reported `ready` items, asked when `confirmedWhenAsked` items were confirmed: the
   * entries older than the ready ones among those have left the queue.
   */
  readyPolled(ready: number, confirmedWhenAsked: number): void {
    const first = confirmedWhenAsked - ready - this.dropped;
    this.covered = first >= this.head;
    if (this.covered) this.dropUpTo(first);
  }

  /** Seconds the oldest ready item has waited, or undefined when the log cannot tell (see above). */
  oldestAgeSeconds(now = Date.now()): number | undefined {
    if (!this.covered || this.highKept > 0) return undefined;
    if (this.head === this.enqueuedAt.length) return 0;
    return Math.max(0, (now - this.enqueuedAt[this.head]) / 1000);
  }

  private dropUpTo(index: number): void {
    for (let i = this.head; i < index; i++) if (this.priorities[i] === 'high') this.highKept--;
    this.head = index;
    if (this.head > COMPACT_AFTER) {
      this.enqueuedAt = this.enqueuedAt.slice(this.head);
      this.priorities = this.priorities.slice(this.head);
      this.dropped += this.head;
      this.head = 0;
    }
  }
}
