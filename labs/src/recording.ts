// What the runner saw while an exercise ran: the snapshots of each named wait (a "window") and
// the numbers actions kept. Checks measure from it.
import { type Histogram, histogramDelta, histogramMean, histogramQuantile } from './prometheus';
import type { ConsumerStatus, ProducerStatus } from './services';
import type { Snapshot } from './snapshot';

/** A snapshot in which both services answered. */
export interface Up extends Snapshot {
  producer: ProducerStatus;
  consumer: ConsumerStatus;
}

export const isUp = (s: Snapshot): s is Up => s.producer !== undefined && s.consumer !== undefined;

type Read = (s: Up) => number;

/**
 * No rate is measured over less than this many real seconds: over a shorter span one stall of a
 * busy machine (a second without a snapshot, a burst after it) moves the rate by more than any
 * tolerance allows. An exercise's windows are long enough at the scale it runs at in CI
 * (test/helpers/lab-runner.ts); at a higher LAB_TIME_SCALE such a check says so instead of guessing.
 */
export const MIN_RATE_SECONDS = 2;

export class Window {
  constructor(
    readonly name: string,
    /** Every snapshot taken, including those where a service was down. */
    readonly snapshots: Snapshot[],
  ) {}

  /** Real seconds from the first snapshot to the last. */
  get seconds(): number {
    return (this.need(this.snapshots.at(-1)).at - this.need(this.snapshots[0]).at) / 1000;
  }

  get up(): Up[] {
    return this.snapshots.filter(isUp);
  }

  get first(): Up {
    return this.need(this.up[0]);
  }

  get last(): Up {
    return this.need(this.up.at(-1));
  }

  /** How much `read` changed per second from the first to the last snapshot. */
  rate(read: Read): number {
    const [a, b] = [this.first, this.last];
    const seconds = (b.at - a.at) / 1000;
    if (seconds < MIN_RATE_SECONDS) {
      throw new Error(
        `"${this.name}" spans ${(Math.floor(seconds * 10) / 10).toFixed(1)} s with both services up: a rate needs ${MIN_RATE_SECONDS} s at least (a lower LAB_TIME_SCALE gives it)`,
      );
    }
    return (read(b) - read(a)) / seconds;
  }

  change(read: Read): number {
    return read(this.last) - read(this.first);
  }

  max(read: Read): number {
    return Math.max(...this.up.map(read));
  }

  min(read: Read): number {
    return Math.min(...this.up.map(read));
  }

  mean(read: Read): number {
    const up = this.up;
    return up.reduce((sum, s) => sum + read(s), 0) / up.length;
  }

  /** The consumer's queue-wait or processing-time observations made during the window. */
  histogram(which: 'queueWait' | 'processing'): Histogram {
    const a = this.need(this.up.find((s) => s[which])?.[which]);
    const b = this.need(this.up.filter((s) => s[which]).at(-1)?.[which]);
    return histogramDelta(a, b);
  }

  quantile(which: 'queueWait' | 'processing', q: number): number {
    return histogramQuantile(q, this.histogram(which));
  }

  meanOf(which: 'queueWait' | 'processing'): number {
    return histogramMean(this.histogram(which));
  }

  private need<T>(value: T | undefined): T {
    if (value === undefined) throw new Error(`no snapshot with both services up during "${this.name}"`);
    return value;
  }
}

export class Recording {
  private readonly windows = new Map<string, Window>();
  private readonly values = new Map<string, number>();

  addWindow(window: Window): void {
    this.windows.set(window.name, window);
  }

  record(name: string, value: number): void {
    this.values.set(name, value);
  }

  window(name: string): Window {
    const window = this.windows.get(name);
    if (!window) throw new Error(`"${name}" was not reached`);
    return window;
  }

  value(name: string): number {
    const value = this.values.get(name);
    if (value === undefined) throw new Error(`"${name}" was not recorded`);
    return value;
  }
}
