// The ids of the items this consumer processed lately, to recognize a duplicate: with a broker
// cluster, a publish that a dying node left unanswered is published again, and the broker may
// then hold it twice; a delivery whose ack a dying node lost comes again. Bounded (the oldest
// id is forgotten first), so a duplicate older than the last CAPACITY items goes unnoticed, and
// per consumer: one that reaches another consumer is processed there again.
const CAPACITY = 100_000;

export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = CAPACITY) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }
}
