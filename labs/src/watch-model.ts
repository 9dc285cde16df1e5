// What the terminal view shows, worked out from successive snapshots: current status, rates over
// the last seconds, p95 queue wait, and whether each service is down, came back, or restarted.
// Kept apart from drawing so that both can be tested on their own.

import type { ConsumerStatus, ProducerStatus } from './services';
import { type Rates, ratesBetween, rejectionRatesBetween, type Snapshot } from './snapshot';

/** Rates are taken over about this long; history is kept for the longer window. */
const RATE_WINDOW_MS = 2000;
const WAIT_WINDOW_MS = 10_000;
/** How long "back after …" stays on screen. */
const BACK_NOTICE_MS = 5000;

export interface Health {
  up: boolean;
  /** Why it is down (connection refused, …). */
  error?: string;
  /** Seconds since it stopped answering, while down. */
  downForSeconds?: number;
  /** Shortly after it came back: how long it was gone, and whether it is a new process. */
  cameBack?: { afterSeconds: number; restarted: boolean };
}

export interface WatchState {
  urls: { producer: string; consumer: string };
  /** Wall-clock time of the frame. */
  time: Date;
  producer: Health & { status?: ProducerStatus };
  consumer: Health & { status?: ConsumerStatus };
  rates: Partial<Rates>;
  /** Rejections per second by reason, over the same seconds as `rates`. */
  rejectionRates: Record<string, number>;
  /**
   * p50 and p95 of the consumer's queue wait over its /status window (its last 10 s; NaN when
   * nothing started there): quantiles of the actual waits, within 1% (common/src/latency-window.ts).
   */
  p50QueueWait: { seconds: number };
  p95QueueWait: { seconds: number };
  /** Largest queue depth seen lately: the scale of the bar when the queue has no limit. */
  recentMaxQueue: number;
}

interface Tracker {
  downSince?: number;
  lastUptime?: number;
  back?: { at: number; afterSeconds: number; restarted: boolean };
}

export class WatchModel {
  private history: Snapshot[] = [];
  private readonly trackers: Record<'producer' | 'consumer', Tracker> = { producer: {}, consumer: {} };

  constructor(private readonly urls: { producer: string; consumer: string }) {}

  update(snapshot: Snapshot, time = new Date()): WatchState {
    this.history.push(snapshot);
    this.history = this.history.filter((s) => snapshot.at - s.at <= WAIT_WINDOW_MS);
    const rateBase = this.history.filter((s) => snapshot.at - s.at >= RATE_WINDOW_MS).at(-1) ?? this.history[0];
    return {
      urls: this.urls,
      time,
      producer: { ...this.health('producer', snapshot, snapshot.producer?.uptime_seconds), status: snapshot.producer },
      consumer: { ...this.health('consumer', snapshot, snapshot.consumer?.uptime_seconds), status: snapshot.consumer },
      rates: ratesBetween(rateBase, snapshot),
      rejectionRates: rejectionRatesBetween(rateBase, snapshot),
      p50QueueWait: { seconds: snapshot.consumer?.latency.queue_wait_s.p50 ?? NaN },
      p95QueueWait: { seconds: snapshot.consumer?.latency.queue_wait_s.p95 ?? NaN },
      recentMaxQueue: Math.max(0, ...this.history.map((s) => s.producer?.queue.size ?? 0)),
    };
  }

  private health(name: 'producer' | 'consumer', snapshot: Snapshot, uptime: number | undefined): Health {
    const t = this.trackers[name];
    if (uptime === undefined) {
      t.downSince ??= snapshot.at;
      t.back = undefined;
      return { up: false, error: snapshot.errors[name], downForSeconds: (snapshot.at - t.downSince) / 1000 };
    }
    // A new process reports a smaller uptime than the one we saw last (even if we never saw it down).
    const restarted = t.lastUptime !== undefined && uptime < t.lastUptime;
    if (t.downSince !== undefined || restarted) {
      const afterSeconds = t.downSince === undefined ? 0 : (snapshot.at - t.downSince) / 1000;
      t.back = { at: snapshot.at, afterSeconds, restarted };
      t.downSince = undefined;
    }
    t.lastUptime = uptime;
    const health: Health = { up: true };
    if (t.back && snapshot.at - t.back.at <= BACK_NOTICE_MS) {
      health.cameBack = { afterSeconds: t.back.afterSeconds, restarted: t.back.restarted };
    }
    return health;
  }
}
