// The generator: makes `production_rate` items per second and offers each to the intake.
//
// It does not sleep 1/rate between items (timers are too coarse for 10,000/s and the time spent
// working would add up as drift). Every tick it works out how many items are due since it
// started — rate × elapsed — and makes the difference. Time an offer spent waiting for admission
// (block, timeout, rate_limited) does not count as elapsed: a producer that was held back simply
// produced less, which is the point of backpressure, and has no backlog to release afterwards.
// Falling behind because the process was stalled (a long GC, a busy CPU) is made up at the next
// tick, as real clients would have kept sending meanwhile.
//
// Between ticks it sleeps until the next item is due, but at least TICK_MS: at 10 items/s that is
// 10 wake-ups a second, not 100 (the producer at the defaults, side by side over 60 s in
// /proc/<pid>/stat: 0.027 → 0.025 cores; strace: 296 → 230 epoll waits a second). At rate 0 it
// sleeps until the rate changes: restartCount() wakes it.
import type { Intake } from './intake';
import { createItem } from './item';
import { OfferWindow } from './offer-window';
import { PriorityMix } from './priority-mix';

const TICK_MS = 10;
/** The longest sleep at rate 0 (a rate change wakes it sooner). */
const IDLE_MS = 1000;
/** How long a stall is made up; a longer one (a laptop asleep, a debugger) is not. */
const MAX_STALL_SECONDS = 1;

export interface GeneratorSettings {
  production_rate: number;
  payload_bytes: number;
  high_priority_ratio: number;
  /** Each item's deadline, from its creation (0: none). */
  max_item_age_ms: number;
}

export class Generator {
  private startedAt = 0;
  private made = 0;
  private readonly mix = new PriorityMix();
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(
    private readonly intake: Intake,
    private readonly settings: () => GeneratorSettings,
    /**
     * Offers outstanding at once: 1 in memory, more on the broker (offer-window.ts), but always 1
     * under a strategy that can make offers wait. The generator is one caller that waits ("closed"
     * arrivals): it pauses while its item waits for room or a token. With 100 offers outstanding it
     * would be 100 waiting callers instead, and its blocked time 100 waits at once.
     */
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
    this.wake?.();
    return this.loop;
  }

  /** Call when production_rate changes, so the new rate counts from now. */
  restartCount(): void {
    this.startedAt = performance.now();
    this.made = 0;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const window = new OfferWindow(() => (this.intake.offersCanWait ? 1 : this.offersAtOnce));
    while (this.running) {
      await this.sleep(this.msUntilNextItem());
      const { production_rate: rate, payload_bytes, high_priority_ratio, max_item_age_ms } = this.settings();
      let due = Math.floor(((performance.now() - this.startedAt) / 1000) * rate) - this.made;
      if (due > rate * MAX_STALL_SECONDS + 1) {
        this.restartCount();
        due = 0;
      }
      for (let i = 0; i < due && this.running; i++) {
        const priority = this.mix.next(high_priority_ratio);
        this.made++;
        const offeredAt = performance.now();
        await window.add(this.intake.offer(createItem(payload_bytes, priority, false, undefined, max_item_age_ms), 'generator'));
        const tookMs = performance.now() - offeredAt; // how long the generator was held back
        if (this.intake.waitedFor(tookMs / 1000)) this.startedAt += tookMs;
      }
    }
    await window.drain();
  }

  /**
   * Time until the next item is due, at least TICK_MS. Rounded up and 1 ms more: a timer can fire
   * up to a millisecond early (libuv counts whole ms), and then the item would wait a whole tick.
   */
  private msUntilNextItem(): number {
    const rate = this.settings().production_rate;
    if (rate <= 0) return IDLE_MS;
    const nextDueAt = this.startedAt + ((this.made + 1) / rate) * 1000;
    return Math.min(IDLE_MS, Math.max(TICK_MS, Math.ceil(nextDueAt - performance.now()) + 1));
  }

  /** A sleep that restartCount() and stop() end early. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
