// The one way in. The generator, POST /produce and POST /jobs all call `offer`, so every item
// meets the same admission strategy and is counted the same way, whoever made it. Before any
// strategy, the memory guard may refuse it (reason `memory`, see memory-guard.ts).
//
// An offer that waits (block, timeout, rate_limited) is a waiting caller: the closed generator's
// one, a POST /jobs client, or any number of open arrivals (open-arrivals.ts). What they hold is
// counted, and bounded: past `maxWaitingBytes` a new offer is refused at once (reason `memory`)
// instead of joining them — a server's connection limit, so that a pile of waiting callers cannot
// take the process down by accident (exercise 3 shows that crash with the queue itself).
import { setMaxListeners } from 'node:events';
import type { Decision } from './admission/outcome';
import type { Strategy } from './admission/strategy';
import { type Item, itemBytes } from './item';
import type { Ledger } from './ledger';
import type { Source } from './vocabulary';

const NEVER_ABORTED = new AbortController().signal;
setMaxListeners(0, NEVER_ABORTED); // every open arrival waits with it: no "possible leak" warning
/**
 * Heap bytes a waiting caller holds beyond its item (itemBytes): its offer's promises and
 * closures, its place in the line, its timer. `npm run bench` (memory per waiting caller, heap
 * after a full GC) measured about 1500 B under block, 1750 under timeout, 1900 under
 * rate_limited. An HTTP client waiting on POST /jobs holds its socket and request objects
 * besides, which this leaves out.
 */
export const WAITING_CALLER_OVERHEAD_BYTES = 1700;
/** Under a strategy that can make offers wait, one that took this long was held back by it. */
const HELD_SECONDS = 0.001;
const LOW_ON_MEMORY: Decision = { kind: 'rejected', reason: 'memory' };

/** What an offer waits for under a strategy, if anything: counted as rate-limit delay or blocked time. */
export type WaitKind = 'token' | 'room' | 'none';

export class Intake {
  /** Offers that are waiting for a token or for room right now: the waiting callers. */
  waiting = 0;
  /** Estimated heap bytes the waiting callers hold: their items and their own overhead. */
  waitingBytes = 0;

  constructor(
    private strategy: Strategy,
    private readonly ledger: Ledger,
    private waitKind: WaitKind,
    /** True while the memory guard refuses new items. */
    private readonly lowOnMemory: () => boolean,
    /** Most the waiting callers may hold; an offer beyond it is refused (reason `memory`). */
    private readonly maxWaitingBytes: number,
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

  /** True under a strategy that can make an offer wait (block, timeout, rate_limited). */
  get offersCanWait(): boolean {
    return this.waitKind !== 'none';
  }

  /** What an offer that took `seconds` waited for: a token, room, or nothing (it just ran, or met a GC pause). */
  waitedFor(seconds: number): Exclude<WaitKind, 'none'> | undefined {
    return this.waitKind !== 'none' && seconds >= HELD_SECONDS ? this.waitKind : undefined;
  }

  async offer(item: Item, source: Source, signal: AbortSignal = NEVER_ABORTED): Promise<Decision> {
    const bytes = itemBytes(item) + WAITING_CALLER_OVERHEAD_BYTES;
    this.waiting++;
    this.waitingBytes += bytes;
    const started = performance.now();
    this.ledger.offered(item, source);
    try {
      if (this.lowOnMemory() || this.waitingBytes > this.maxWaitingBytes) {
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
      this.waitingBytes -= bytes;
    }
  }
}
