// A workaround for a RabbitMQ 3.10.8 bug (fixed in 3.13, rabbitmq-server `rabbit_fifo_client`):
// a channel whose first publish to a quorum queue falls inside a leader election keeps a stale
// leader, and the broker nacks every later publish on it although the queue has room. A run of
// nacks while the queue is clearly below its limit is that, not reject-publish: the publishing
// channel is reopened (by reconnecting), which starts a client with the current leader.
//
// "Clearly below": a quorum queue with reject-publish accepts again only at 80% of its limit.

/** Nacks in a row, with room, that mean a channel gone bad. */
const NACKS_IN_A_ROW = 20;
const ROOM_SHARE = 0.8;

export class NackRun {
  private run = 0;
  /** How many times the channel was reopened for this. */
  reopens = 0;

  constructor(
    /** The queue's ready count now and the limit the broker enforces (Infinity: none). */
    private readonly depth: () => { ready: number; limit: number },
    private readonly reopen: () => void,
  ) {}

  answered(confirmed: boolean): void {
    if (confirmed) {
      this.run = 0;
      return;
    }
    const { ready, limit } = this.depth();
    if (ready >= limit * ROOM_SHARE) {
      this.run = 0; // a full queue's nacks are reject-publish doing its job
      return;
    }
    if (++this.run < NACKS_IN_A_ROW) return;
    this.run = 0;
    this.reopens++;
    this.reopen();
  }
}
