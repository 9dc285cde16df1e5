// The generator: makes `production_rate` items per second and offers each to the intake.
//
// It does not sleep 1/rate between items (timers are too coarse for 10,000/s and the time spent
// working would add up as drift). Every tick it works out how many items are due since it
// started — rate × elapsed — and makes the difference. Time an offer spent waiting for admission
// (block, timeout, rate_limited) does not count as elapsed: a producer that was held back simply
// produced less, which is the point of backpressure, and has no backlog to release afterwards.
// Falling behind because the process was stalled (a long GC, a busy CPU) is made up at the next
// tick, as real clients would have kept sending meanwhile.
import type { Intake } from './intake';
import { createItem } from './item';
import { OfferWindow } from './offer-window';

const TICK_MS = 10;
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
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly intake: Intake,
    private readonly settings: () => GeneratorSettings,
    /** Offers outstanding at once: 1 in memory, more on the broker (offer-window.ts). */
    private readonly offersAtOnce = 1,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.restartCount();
    this.loop = this.run();
  }

  /** Stops making items; resolves once the items being offered (if any) are decided. */
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
    const window = new OfferWindow(this.offersAtOnce);
    while (this.running) {
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      const { production_rate: rate, payload_bytes, high_priority_ratio } = this.settings();
      let due = Math.floor(((performance.now() - this.startedAt) / 1000) * rate) - this.made;
      if (due > rate * MAX_STALL_SECONDS + 1) {
        this.restartCount();
        due = 0;
      }
      for (let i = 0; i < due && this.running; i++) {
        const priority = high_priority_ratio > 0 && Math.random() < high_priority_ratio ? 'high' : 'normal';
        this.made++;
        const offeredAt = performance.now();
        await window.add(this.intake.offer(createItem(payload_bytes, priority), 'generator'));
        const tookMs = performance.now() - offeredAt; // how long the generator was held back
        if (this.intake.waitedFor(tookMs / 1000)) this.startedAt += tookMs;
      }
    }
    await window.drain();
  }
}
