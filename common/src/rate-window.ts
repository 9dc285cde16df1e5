// Counts events per second over a sliding window of whole seconds: "how many per second lately".
export class RateWindow {
  private readonly buckets: number[];
  private currentSecond = Math.floor(performance.now() / 1000);

  constructor(private readonly seconds = 5) {
    this.buckets = new Array(seconds + 1).fill(0);
  }

  add(n = 1): void {
    this.advance();
    this.buckets[this.currentSecond % this.buckets.length] += n;
  }

  /** Events per second over the last `seconds` complete seconds. */
  perSecond(): number {
    this.advance();
    let total = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      if (i !== this.currentSecond % this.buckets.length) total += this.buckets[i];
    }
    return total / this.seconds;
  }

  private advance(): void {
    const now = Math.floor(performance.now() / 1000);
    for (let s = this.currentSecond + 1; s <= now && s <= this.currentSecond + this.buckets.length; s++) {
      this.buckets[s % this.buckets.length] = 0;
    }
    this.currentSecond = now;
  }
}
