// Requests and failures over the last `windowMs`, kept in ten buckets of a tenth of the window
// each (opossum's rolling window): adding and reading are O(1), and the oldest tenth falls out
// as time moves on.
const BUCKETS = 10;

export class RollingCounts {
  private readonly requests = new Array<number>(BUCKETS).fill(0);
  private readonly failed = new Array<number>(BUCKETS).fill(0);
  private readonly bucketMs: number;
  private currentBucket: number;

  constructor(windowMs: number) {
    this.bucketMs = windowMs / BUCKETS;
    this.currentBucket = this.bucketNow();
  }

  add(failed: boolean): void {
    this.advance();
    const i = this.currentBucket % BUCKETS;
    this.requests[i]++;
    if (failed) this.failed[i]++;
  }

  totals(): { requests: number; failed: number } {
    this.advance();
    return { requests: sum(this.requests), failed: sum(this.failed) };
  }

  clear(): void {
    this.requests.fill(0);
    this.failed.fill(0);
  }

  private bucketNow(): number {
    return Math.floor(performance.now() / this.bucketMs);
  }

  /** Empties the buckets whose time has passed since the last call. */
  private advance(): void {
    const now = this.bucketNow();
    for (let b = this.currentBucket + 1; b <= now && b <= this.currentBucket + BUCKETS; b++) {
      this.requests[b % BUCKETS] = 0;
      this.failed[b % BUCKETS] = 0;
    }
    this.currentBucket = now;
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
