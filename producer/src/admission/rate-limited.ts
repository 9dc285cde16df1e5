// rate_limited — a token bucket in front of the queue. Tokens refill at `rate_limit` per second
// up to `burst`; each item takes one, and an item that finds the bucket empty waits for the
// next token. Producers are slowed to the rate, so nothing is refused and nothing is lost.
//
// When: you know what the consumer can take (here: its capacity in /status on the consumer)
// and producers can be slowed down — the "slow down, I can't keep up" of seed 003.
// Cost: producers wait, so their own latency grows; a rate set above the consumer's capacity
// still lets the queue grow (the limiter only knows the rate, not the queue).
import type { Item } from '../item';
import type { AdmissionQueue } from './admission-queue';
import type { Outcome } from './outcome';
import { outcomeOf, type Strategy } from './strategy';

const MAX_TIMER_MS = 2 ** 31 - 1;

export class RateLimited implements Strategy {
  private tokens: number;
  private refilledAt = performance.now();
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly queue: AdmissionQueue,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  limit(): number {
    return Infinity;
  }

  async offer(item: Item, signal: AbortSignal): Promise<Outcome> {
    this.refill();
    // Take a token now, even if that leaves the bucket in debt: a negative balance is the
    // queue of earlier waiters, so each new offer waits behind them, in order.
    this.tokens -= 1;
    if (this.tokens < 0) {
      const waitMs = (-this.tokens / this.ratePerSecond) * 1000;
      const result = await this.sleep(waitMs, signal);
      if (result !== 'ready') {
        this.tokens += 1; // give the unused token back
        return result === 'superseded' ? { kind: 'superseded' } : { kind: 'rejected', reason: 'cancelled' };
      }
    }
    return outcomeOf(await this.queue.add(item, Infinity), 'queue_full');
  }

  close(): void {
    for (const wake of this.waiting) wake();
  }

  describe(): Record<string, number | string> {
    this.refill();
    return { tokens: Math.max(0, Math.floor(this.tokens * 100) / 100), burst: this.burst };
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
  }

  private sleep(ms: number, signal: AbortSignal): Promise<'ready' | 'cancelled' | 'superseded'> {
    return new Promise((resolve) => {
      const finish = (result: 'ready' | 'cancelled' | 'superseded') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiting.delete(onClose);
        resolve(result);
      };
      const onAbort = () => finish('cancelled');
      const onClose = () => finish('superseded');
      // Many waiters at a low rate can owe more than a Node timer holds (2^31 − 1 ms, 24.8 days);
      // a longer delay would fire at once, so such a caller is let through after 24.8 days instead.
      const timer = setTimeout(() => finish('ready'), Math.min(ms, MAX_TIMER_MS));
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(onClose);
    });
  }
}
