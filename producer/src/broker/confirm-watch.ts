// A workaround for another RabbitMQ 3.10 quorum-queue fault: after the queue's leader hung
// (SIGSTOP, exercise 44) and the others elected a new one, a few publishes on a channel may never
// be answered. Seen here in about one run of four: 2 of some 2,500 publishes still unconfirmed
// minutes later, until the connection closed. amqplib waits for a confirm for ever, so the
// producer would count them as `publishing` for ever. A publish left unanswered this long while
// the broker is not blocking publishing is taken as lost: the connection is reopened, and its
// unanswered publishes fail as lost and are re-sent (same message id) on the next one
// (broker-queue.ts), the way a node's death is handled.

/** Far above any answer a healthy cluster gave here: a hung leader held confirms 6–8 s. */
export const CONFIRM_OVERDUE_MS = 30_000;

export class ConfirmWatch {
  /** How many times the connection was reopened for this. */
  reopens = 0;
  /** Unanswered time counts from here at the earliest: the end of a block, or the last reopen. */
  private notBefore = 0;

  constructor(
    /** When the oldest publish still waiting for its answer was sent (performance.now()), if any. */
    private readonly oldestUnanswered: () => number | undefined,
    /** A blocked broker holds confirms on purpose (its memory or disk alarm). */
    private readonly blocked: () => boolean,
    private readonly reopen: () => void,
  ) {}

  /** Looks once (the broker calls it every second). */
  check(now = performance.now()): void {
    if (this.blocked()) {
      this.notBefore = now;
      return;
    }
    const oldest = this.oldestUnanswered();
    if (oldest === undefined || now - Math.max(oldest, this.notBefore) < CONFIRM_OVERDUE_MS) return;
    this.notBefore = now; // one reopen for one overdue spell
    this.reopens++;
    this.reopen();
  }
}
