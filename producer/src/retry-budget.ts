// The sender's retry budget (gRPC's retry throttling, Finagle's RetryBudget): over the last
// `window_ms`, retries may be at most `ratio` × first attempts. A consumer that fails half its
// items then sees at most (1 + ratio) × the offered load, instead of a multiple of it that grows
// with max_attempts: retries stop being a way to overload whatever is already failing. A failed
// item the budget cannot pay for is dropped (counted, reason `retry_budget`) instead of retried.
// ratio 0 means no budget: every failure is retried up to max_attempts.
//
// It also measures retry amplification: attempts ÷ items (1.0 = no retries), since the start and
// over the window.
import { RollingCounts } from './rolling-counts';

export class RetryBudget {
  /** Sends of items sent for the first time. */
  firstSends = 0;
  /** Sends of items sent before (after a failure). */
  retrySends = 0;
  /** Retries the budget refused (the item was dropped). */
  refused = 0;
  private window: RollingCounts;
  private windowMs: number;

  constructor(
    private ratio: number,
    windowMs: number,
  ) {
    this.windowMs = windowMs;
    this.window = new RollingCounts(windowMs);
  }

  /** New settings; a new window length starts counting afresh. */
  configure(ratio: number, windowMs: number): void {
    this.ratio = ratio;
    if (windowMs !== this.windowMs) {
      this.windowMs = windowMs;
      this.window = new RollingCounts(windowMs);
    }
  }

  /** An item is being sent: for the first time, or again (its retry was counted when allowed). */
  sent(retry: boolean): void {
    if (retry) {
      this.retrySends++;
    } else {
      this.firstSends++;
      this.window.add(false);
    }
  }

  /**
   * Whether a failed item may be sent again; an allowed retry is counted in the window at once (not
   * when it is sent, after its backoff), so retries allowed meanwhile cannot exceed the share.
   */
  allowRetry(): boolean {
    const { requests, failed: retries } = this.window.totals(); // `failed` in RollingCounts' words: the retries
    if (this.ratio > 0 && retries + 1 > this.ratio * (requests - retries)) {
      this.refused++;
      return false;
    }
    this.window.add(true);
    return true;
  }

  describe() {
    const { requests, failed: retries } = this.window.totals();
    const firsts = requests - retries;
    return {
      ratio: this.ratio,
      window_ms: this.windowMs,
      first_sends: this.firstSends,
      retry_sends: this.retrySends,
      refused: this.refused,
      /** Attempts ÷ items since the start (null before the first send). */
      amplification: amplification(this.firstSends + this.retrySends, this.firstSends),
      /** Attempts ÷ items over the window. */
      window_amplification: amplification(requests, firsts),
    };
  }
}

const amplification = (attempts: number, items: number) => (items > 0 ? Math.round((attempts / items) * 1000) / 1000 : null);
