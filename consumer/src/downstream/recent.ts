// The last few hundred durations of something, for /status: their mean and their largest.
const SIZE = 256;

export class RecentDurations {
  private readonly values: number[] = [];
  private next = 0;

  add(ms: number): void {
    if (this.values.length < SIZE) this.values.push(ms);
    else this.values[this.next] = ms;
    this.next = (this.next + 1) % SIZE;
  }

  summary(): { mean_ms: number | null; max_ms: number | null; samples: number } {
    const n = this.values.length;
    if (n === 0) return { mean_ms: null, max_ms: null, samples: 0 };
    const round = (x: number) => Math.round(x * 100) / 100;
    return { mean_ms: round(this.values.reduce((a, b) => a + b, 0) / n), max_ms: round(Math.max(...this.values)), samples: n };
  }
}
