// The one way in. The generator, POST /produce and POST /jobs all call `offer`, so every item
// meets the same admission strategy and is counted the same way, whoever made it. Before any
// strategy, the memory guard may refuse it (reason `memory`, see memory-guard.ts).
import type { Outcome, Strategy } from './admission/strategy';
import type { Item } from './item';
import type { Ledger, Source } from './ledger';

const NEVER_ABORTED = new AbortController().signal;
/** Under a strategy that can make offers wait, one that took this long was held back by it. */
const HELD_SECONDS = 0.001;
const LOW_ON_MEMORY: Decision = { kind: 'rejected', reason: 'memory' };

export type Decision = Exclude<Outcome, { kind: 'superseded' }>;

/** What an offer waits for under a strategy, if anything: counted as rate-limit delay or blocked time. */
export type WaitKind = 'token' | 'room' | 'none';

export class Intake {
  /** Offers that are waiting for a token or for room right now. */
  waiting = 0;

  constructor(
    private strategy: Strategy,
    private readonly ledger: Ledger,
    private waitKind: WaitKind,
    /** True while the memory guard refuses new items. */
    private readonly lowOnMemory: () => boolean,
  ) {}

  /** Switches strategy; offers waiting under the old one are offered to the new one. */
  use(strategy: Strategy, waitKind: WaitKind): void {
    const old = this.strategy;
    this.strategy = strategy;
    this.waitKind = waitKind;
    old.close();
  }

  get current(): Strategy {
    return this.strategy;
  }

  /** What an offer that took `seconds` waited for: a token, room, or nothing (it just ran, or met a GC pause). */
  waitedFor(seconds: number): Exclude<WaitKind, 'none'> | undefined {
    return this.waitKind !== 'none' && seconds >= HELD_SECONDS ? this.waitKind : undefined;
  }

  async offer(item: Item, source: Source, signal: AbortSignal = NEVER_ABORTED): Promise<Decision> {
    this.waiting++;
    const started = performance.now();
    this.ledger.offered(item, source);
    try {
      if (this.lowOnMemory()) {
        this.ledger.decided(item, source, LOW_ON_MEMORY);
        return LOW_ON_MEMORY;
      }
      for (;;) {
        const outcome = await this.strategy.offer(item, signal);
        if (outcome.kind === 'superseded') continue; // the mode changed while it waited
        const waitedSeconds = (performance.now() - started) / 1000;
        const waitedFor = this.waitedFor(waitedSeconds);
        if (waitedFor) this.ledger.waited(waitedFor, waitedSeconds);
        this.ledger.decided(item, source, outcome);
        return outcome;
      }
    } finally {
      this.waiting--;
    }
  }
}
