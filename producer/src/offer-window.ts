// Up to `size` offers outstanding at once, for the generator and POST /produce. With the in-memory
// queue the size is 1: each offer is decided before the next is made, as always. With the broker
// an offer is decided only when RabbitMQ confirms its publish (a persistent message is confirmed
// once it is on disk): one at a time that is a few hundred items/s, while with many outstanding
// the broker confirms them in batches (see docs/broker.md, "Throughput", for the numbers).
// The size is asked for at every offer: the generator's changes with the admission mode.
export class OfferWindow {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly size: () => number) {}

  /** Tracks `offer`; resolves once fewer than `size()` offers are outstanding. */
  async add(offer: Promise<unknown>): Promise<void> {
    const tracked: Promise<unknown> = offer.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    while (this.pending.size >= this.size()) await Promise.race(this.pending);
  }

  /** Resolves when every offer added so far is decided. */
  async drain(): Promise<void> {
    await Promise.all(this.pending);
  }
}
