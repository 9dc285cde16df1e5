// A circuit breaker around the consumer (seed 001, problem 6).
//   closed    — sends go through; `threshold` failures in a row open it.
//   open      — nothing is sent for `resetMs`; items stay safely in the queue meanwhile.
//   half_open — one probe send is let through: success closes the breaker, failure reopens it.
// Why: hammering a consumer that is down wastes retries (and dead-letters items for nothing);
// waiting a moment gives it room to come back.
export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private current: BreakerState = 'closed';
  /** How often the breaker opened since start. */
  opened = 0;

  constructor(
    public threshold: number,
    public resetMs: number,
  ) {}

  get state(): BreakerState {
    if (this.current === 'open' && performance.now() - this.openedAt >= this.resetMs) this.current = 'half_open';
    return this.current;
  }

  /** 0 when a send may start now (taking the probe slot when half-open), else ms to wait. */
  delayBeforeSend(): number {
    switch (this.state) {
      case 'closed':
        return 0;
      case 'open':
        return this.resetMs - (performance.now() - this.openedAt);
      case 'half_open':
        if (this.probeInFlight) return 50;
        this.probeInFlight = true;
        return 0;
    }
  }

  success(): void {
    this.failures = 0;
    this.probeInFlight = false;
    this.current = 'closed';
  }

  failure(): void {
    this.failures++;
    const state = this.state;
    if (state === 'half_open' || this.failures >= this.threshold) {
      if (state !== 'open') this.opened++;
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
    return { state: this.state, consecutive_failures: this.failures, times_opened: this.opened, reset_ms: this.resetMs };
  }
}
