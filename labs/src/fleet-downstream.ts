// The database behind the consumers as one hop of the fleet's picture (fleet.ts): every consumer's
// `downstream` section (consumer/src/downstream/status.ts) summed. Utilization and the mean acquire
// and query times are measured over the last window from each consumer's running totals (busy
// seconds, durations summed and counted), not read from one instant or one consumer.
import { HOPS } from '../../consumer/src/downstream/status';
import type { ConsumerStatus } from './services';

type Section = NonNullable<ConsumerStatus['downstream']>;
type HopName = (typeof HOPS)[number];

/** Nearest the database first: the full hop nearest it is where the pressure starts. */
const HOPS_FROM_DATABASE = [...HOPS].reverse();

export interface FleetDownstream {
  kind: Section['kind'];
  database: string;
  /** Consumers writing to it, and how many of them find it ready. */
  writers: number;
  ready: number;
  /** Connections checked out now, and the pools' sizes, over every consumer. */
  busy: number;
  size: number;
  /** Writes waiting for a connection now, over every consumer. */
  waiting: number;
  /** Mean connections busy over the window ÷ size (null until a window has passed). */
  utilization: number | null;
  /** Mean time to get a connection and to run the INSERT, over the writes of the window. */
  acquire_ms: number | null;
  query_ms: number | null;
  /** Writes that failed or were refused, since each consumer started. */
  errors: number;
  /** The full hop nearest the database on any consumer, or null. */
  full_hop: HopName | null;
}

interface Totals {
  at: number;
  busySeconds: number;
  queryMs: number;
  queries: number;
  acquireMs: number;
  acquires: number;
}

export class DownstreamWindow {
  private readonly samples = new Map<string, Totals[]>();

  constructor(private readonly windowMs: number) {}

  /** One look: `sections` by consumer name, read at `at` (performance.now()). */
  look(sections: Map<string, Section>, at: number): FleetDownstream | undefined {
    const all = [...sections.values()];
    const first = all[0];
    if (!first) return undefined;
    const sum = (read: (s: Section) => number) => all.reduce((t, s) => t + read(s), 0);
    const changes = [...sections].map(([name, s]) => ({ s, change: this.change(name, s, at) }));
    const measured = changes.flatMap(({ s, change }) => (change ? [{ s, c: change }] : []));
    const over = (read: (c: Totals) => number) => measured.reduce((t, { c }) => t + read(c), 0);
    const mean = (total: number, count: number) => (count > 0 ? total / count : null);
    // Each consumer's mean connections busy over its own window, ÷ the pools that were measured.
    const measuredSize = measured.reduce((t, { s }) => t + s.pool.size, 0);
    const meanBusy = over((c) => c.busySeconds / (c.at / 1000));
    const size = sum((s) => s.pool.size);
    const fullHops = new Set(all.flatMap((s) => s.hops.filter((h) => h.full).map((h) => h.hop)));
    return {
      kind: first.kind,
      database: first.database,
      writers: all.length,
      ready: all.filter((s) => s.ready).length,
      busy: sum((s) => s.pool.busy),
      size,
      waiting: sum((s) => s.pool.waiting),
      utilization: measuredSize > 0 ? meanBusy / measuredSize : null,
      acquire_ms: mean(
        over((c) => c.acquireMs),
        over((c) => c.acquires),
      ),
      query_ms: mean(
        over((c) => c.queryMs),
        over((c) => c.queries),
      ),
      errors: sum((s) => Object.values(s.errors_by_reason).reduce((a, b) => a + b, 0)),
      full_hop: HOPS_FROM_DATABASE.find((h) => fullHops.has(h)) ?? null,
    };
  }

  /** This consumer's totals since its look at least one window back (`at` holds the seconds, in ms). */
  private change(name: string, s: Section, at: number): Totals | undefined {
    const now: Totals = {
      at,
      busySeconds: s.pool.busy_seconds,
      queryMs: s.query.total_ms,
      queries: s.query.count,
      acquireMs: s.acquire.total_ms,
      acquires: s.acquire.count,
    };
    // A restarted consumer starts its totals again: its older looks no longer count.
    const kept = (this.samples.get(name) ?? []).filter((t) => t.queries <= now.queries && at - t.at <= 2 * this.windowMs);
    kept.push(now);
    this.samples.set(name, kept);
    const base = kept.filter((t) => at - t.at >= this.windowMs).at(-1);
    if (!base) return undefined;
    return {
      at: at - base.at,
      busySeconds: now.busySeconds - base.busySeconds,
      queryMs: now.queryMs - base.queryMs,
      queries: now.queries - base.queries,
      acquireMs: now.acquireMs - base.acquireMs,
      acquires: now.acquires - base.acquires,
    };
  }
}
