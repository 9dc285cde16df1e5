// The last few hundred durations of something, for /status: their mean and their largest; and the
// running count and sum since start, from which any interval's mean follows (Δsum ÷ Δcount).
const SIZE = 256;

export class RecentDurations {
  private readonly values: number[] = [];
  private next = 0;
  private count = 0;
  private sum = 0;

  add(ms: number): void {
    this.count++;
    this.sum += ms;
    if (this.values.length < SIZE) this.values.push(ms);
    else this.values[this.next] = ms;
    this.next = (this.next + 1) % SIZE;
  }

  summary() {
    const n = this.values.length;
    const round = (x: number) => Math.round(x * 100) / 100;
    const totals = { count: this.count, total_ms: round(this.sum) };
    if (n === 0) return { mean_ms: null, max_ms: null, samples: 0, ...totals };
    return { mean_ms: round(this.values.reduce((a, b) => a + b, 0) / n), max_ms: round(Math.max(...this.values)), samples: n, ...totals };
  }
}
