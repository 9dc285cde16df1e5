// Open arrivals (`arrivals: "open"`): items arrive at `production_rate` whatever happens to the
// earlier ones, the way requests reach a public API. Each arrival is an independent caller: it
// offers its item to the intake and waits there on its own, while the next callers keep coming.
//
// The closed generator (generator.ts) is one caller that waits: when admission holds it back it
// simply makes fewer items, so blocking it really slows the source down. An open source cannot
// be slowed down: a caller held back by `block`, `timeout` or `rate_limited` stays where it is
// and the following ones join it. The backlog moves out of the queue into waiting callers
// (`admission_waiting` and their memory in /status), seed 000's "handlers block waiting to
// send, HTTP connections stay open, memory usage grows".
//
// Each item is created at its arrival, so its `created_at` is the intended arrival time: the
// consumer's queue-wait histogram then measures latency the way a caller feels it, waiting for
// admission included (no coordinated omission; see labs exercise 20).
//
// With client_timeout_ms set, each caller also gives up after that long and tries again
// (client_retries times): retrying-callers.ts.

import type { CallerStats } from './caller-stats';
import type { GeneratorSettings } from './generator';
import type { Intake } from './intake';
import { createItem } from './item';
import type { ItemOutcomes } from './item-outcomes';
import { PriorityMix } from './priority-mix';
import { type CallerSettings, retryingCaller } from './retrying-callers';

/** Shortest sleep between two rounds: at high rates a round makes every item due since the last. */
const TICK_MS = 10;
/** How long a stall of the process is made up; a longer one (a laptop asleep, a debugger) is not. */
const MAX_STALL_SECONDS = 1;

export class OpenArrivals {
  private startedAt = 0;
  private made = 0;
  private readonly mix = new PriorityMix();
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intake: Intake,
    private readonly settings: () => GeneratorSettings & CallerSettings,
    private readonly outcomes: ItemOutcomes,
    private readonly callers: CallerStats,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.restartCount();
  }

  /** Stops new arrivals; callers already waiting keep their place until admission decides. */
  stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    return Promise.resolve();
  }

  /** Call when production_rate changes, so the new rate counts from now. */
  restartCount(): void {
    this.startedAt = performance.now();
    this.made = 0;
    if (this.running) this.scheduleNext();
  }

  /** Sleeps until the next arrival is due (never while production_rate is 0: restartCount wakes it). */
  private scheduleNext(): void {
    clearTimeout(this.timer);
    const rate = this.settings().production_rate;
    if (rate <= 0) return;
    const dueInMs = ((this.made + 1) / rate) * 1000 - (performance.now() - this.startedAt);
    this.timer = setTimeout(() => this.arrive(), Math.max(TICK_MS, dueInMs));
  }

  private arrive(): void {
    const s = this.settings();
    const { production_rate: rate, payload_bytes, high_priority_ratio, max_item_age_ms } = s;
    let due = Math.floor(((performance.now() - this.startedAt) / 1000) * rate) - this.made;
    if (due > rate * MAX_STALL_SECONDS + 1) {
      this.startedAt = performance.now();
      this.made = 0;
      due = 0;
    }
    for (let i = 0; i < due; i++) {
      const priority = this.mix.next(high_priority_ratio);
      this.made++;
      if (s.client_timeout_ms > 0) {
        void retryingCaller(this.intake, this.outcomes, this.callers, s, priority, () => this.running);
        continue;
      }
      void this.intake.offer(createItem(payload_bytes, priority, false, undefined, max_item_age_ms), 'generator'); // the caller waits on its own
    }
    this.scheduleNext();
  }
}
