// The generator: makes `production_rate` items per second and offers each to the intake.
//
// It does not sleep 1/rate between items (timers are too coarse for 10,000/s and the time spent
// working would add up as drift). Every tick it works out how many items are due since it
// started — rate × elapsed — and makes the difference. Falling behind because the process was
// stalled (a long GC, a busy CPU) is made up at the next tick, as real clients would have kept
// sending meanwhile. Falling behind because admission made it wait (block, timeout, rate_limited)
// is not: a producer that was held back simply produced less, which is the point of backpressure.
import type { Intake } from './intake';
import { createItem } from './item';

const TICK_MS = 10;
/** An offer that took this long was held by admission, not just run. */
const HELD_MS = 1;
/** How far behind a producer held back by admission may fall before it counts afresh. */
const MAX_HELD_LAG_SECONDS = 0.5;
/** How long a stall is made up; a longer one (a laptop asleep, a debugger) is not. */
const MAX_STALL_SECONDS = 1;

export interface GeneratorSettings {
  production_rate: number;
  payload_bytes: number;
  high_priority_ratio: number;
}

export class Generator {
  private startedAt = 0;
  private made = 0;
  /** Whether admission held back an offer of the last batch. */
  private heldBack = false;
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly intake: Intake,
    private readonly settings: () => GeneratorSettings,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.restartCount();
    this.loop = this.run();
  }

  /** Stops making items; resolves once the item being offered (if any) is decided. */
  stop(): Promise<void> {
    this.running = false;
    return this.loop;
  }

  /** Call when production_rate changes, so the new rate counts from now. */
  restartCount(): void {
    this.startedAt = performance.now();
    this.made = 0;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      const { production_rate: rate, payload_bytes, high_priority_ratio } = this.settings();
      let due = Math.floor(((performance.now() - this.startedAt) / 1000) * rate) - this.made;
      if (due > rate * (this.heldBack ? MAX_HELD_LAG_SECONDS : MAX_STALL_SECONDS) + 1) {
        this.restartCount();
        due = 0;
      }
      this.heldBack = false;
      for (let i = 0; i < due && this.running; i++) {
        const priority = high_priority_ratio > 0 && Math.random() < high_priority_ratio ? 'high' : 'normal';
        this.made++;
        const offeredAt = performance.now();
        await this.intake.offer(createItem(payload_bytes, priority), 'generator');
        if (performance.now() - offeredAt >= HELD_MS) this.heldBack = true;
      }
    }
  }
}
