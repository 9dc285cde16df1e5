// A circuit breaker around the consumer (seed 001, problem 6).
//   closed    — sends go through until the consumer looks broken (below); then it opens.
//   open      — nothing is sent for `resetMs`; items stay safely in the queue meanwhile.
//   half_open — one probe send is let through: success closes the breaker, failure reopens it.
// Why: hammering a consumer that is down wastes retries (and dead-letters items for nothing);
// waiting a moment gives it room to come back.
//
// "Looks broken" is decided one of two ways (`breaker_mode`):
//   consecutive  — `threshold` failures in a row. Simple, and quick on a consumer that is down,
//                  but a streak of bad luck opens it too: at a 50% failure rate five in a row
//                  come about every 1.5 s at 20 sends/s, so it is open most of the time.
//   failure_rate — the share of failed sends over the last `windowMs` (a rolling window of
//                  buckets) reaches `failureRate`, once at least `minimumRequests` were made in
//                  it: the way opossum and resilience4j decide. It tells "mostly failing" from
//                  "unlucky streak", at the price of reacting only once the window has seen enough.
import { RollingCounts } from './rolling-counts';

export type BreakerState = 'closed' | 'open' | 'half_open';
export type BreakerMode = 'consecutive' | 'failure_rate';

export interface BreakerSettings {
  breaker_mode: BreakerMode;
  breaker_failure_threshold: number;
  breaker_failure_rate: number;
  breaker_window_ms: number;
  breaker_minimum_requests: number;
  breaker_reset_ms: number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private current: BreakerState = 'closed';
  private window: RollingCounts;
  /** How often the breaker opened since start. */
  opened = 0;

  constructor(private s: BreakerSettings) {
    this.window = new RollingCounts(s.breaker_window_ms);
  }

  /** Takes new settings; the window starts afresh when its length changes. */
  configure(s: BreakerSettings): void {
    if (s.breaker_window_ms !== this.s.breaker_window_ms) this.window = new RollingCounts(s.breaker_window_ms);
    this.s = s;
  }

  get state(): BreakerState {
    if (this.current === 'open' && performance.now() - this.openedAt >= this.s.breaker_reset_ms) this.current = 'half_open';
    return this.current;
  }

  /** 0 when a send may start now (taking the probe slot when half-open), else ms to wait. */
  delayBeforeSend(): number {
    switch (this.state) {
      case 'closed':
        return 0;
      case 'open':
        return this.s.breaker_reset_ms - (performance.now() - this.openedAt);
      case 'half_open':
        if (this.probeInFlight) return 50;
        this.probeInFlight = true;
        return 0;
    }
  }

  success(): void {
    this.failures = 0;
    this.probeInFlight = false;
    if (this.current !== 'closed')
      this.window.clear(); // a fresh start: old failures do not reopen it
    else this.window.add(false);
    this.current = 'closed';
  }

  failure(): void {
    this.failures++;
    this.window.add(true);
    const state = this.state;
    if (state === 'half_open' || this.looksBroken()) {
      if (state !== 'open') this.opened++; // a late failure while open only restarts the wait
      this.current = 'open';
      this.openedAt = performance.now();
    }
    this.probeInFlight = false;
  }

  /** A send ended without saying anything about the consumer's health (e.g. a 429). */
  neutral(): void {
    this.probeInFlight = false;
  }

  describe() {
    const { requests, failed } = this.window.totals();
    return {
      state: this.state,
      mode: this.s.breaker_mode,
      consecutive_failures: this.failures,
      window_requests: requests,
      window_failure_rate: requests > 0 ? Math.round((failed / requests) * 1000) / 1000 : 0,
      times_opened: this.opened,
      reset_ms: this.s.breaker_reset_ms,
    };
  }

  private looksBroken(): boolean {
    if (this.s.breaker_mode === 'consecutive') return this.failures >= this.s.breaker_failure_threshold;
    const { requests, failed } = this.window.totals();
    return requests >= this.s.breaker_minimum_requests && failed / requests >= this.s.breaker_failure_rate;
  }
}
