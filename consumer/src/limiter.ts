// A concurrency limiter (seed 004's RequestLimiter): at most `limit` holders at once, and a
// caller that finds it full is refused at once instead of waiting — the HTTP layer turns that
// into a 429 with Retry-After. Like a Go channel of capacity `limit` used as a semaphore.
export class ConcurrencyLimiter {
  private held = 0;

  constructor(public limit: number) {}

  get inUse(): number {
    return this.held;
  }

  tryAcquire(): boolean {
    if (this.held >= this.limit) return false;
    this.held++;
    return true;
  }

  release(): void {
    this.held--;
  }
}
