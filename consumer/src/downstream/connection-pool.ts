// node-postgres's pool as the consumer uses it, counted (busy, idle, seconds busy). Callers
// waiting for a connection queue in an unbounded array there (brianc/node-postgres#2452), limited
// only in time by connectionTimeoutMillis: the writes' own line (write-line.ts) stands in front
// of it, with the bound pg lacks.
//
// A change of the pool's own configuration (size, acquire timeout, statement timeout) replaces
// the pool: new writes use the new one; the old one keeps serving the callers already waiting in
// it and the connections checked out of it, and is ended once it holds nothing (ending it earlier
// would strand its waiting callers: pg-pool stops serving its queue once ending).
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from '../../../common/src/logger';
import { type DownstreamSettings, POOL_FIELDS } from './settings';

/** Shown to PostgreSQL (pg_stat_activity.application_name): the lab's connections are found by it. */
export const APPLICATION_NAME = 'backpressure-lab consumer';
const DRAIN_POLL_MS = 50;

export interface PoolCounts {
  size: number;
  total: number;
  busy: number;
  idle: number;
  waiting: number;
  /** Replaced pools still finishing their work. */
  draining: number;
}

export interface Lease {
  client: pg.PoolClient;
  /** Gives the connection back; with an error, pg closes it instead. */
  release: (err?: Error) => void;
}

export class ConnectionPool {
  private pool: pg.Pool;
  private readonly draining = new Set<pg.Pool>();
  /** Seconds the connections released so far were checked out, summed. */
  private releasedBusySeconds = 0;
  /** When each connection checked out now was acquired (performance.now()). */
  private readonly checkedOut = new Set<{ at: number }>();

  constructor(
    private readonly url: string,
    private settings: DownstreamSettings,
    private readonly logger: Logger,
  ) {
    this.pool = this.createPool(settings);
  }

  /** Replaces the pool when one of its own fields changed. */
  configure(next: DownstreamSettings): void {
    const before = this.settings;
    this.settings = next;
    if (POOL_FIELDS.every((field) => before[field] === next[field])) return;
    const old = this.pool;
    this.pool = this.createPool(next);
    this.draining.add(old);
    void this.drain(old);
  }

  /**
   * True when a new caller would have to wait: no connection idle or to be opened that an earlier
   * caller has not claimed (pg hands idle ones out a tick later; its callers wait in waitingCount meanwhile).
   */
  mustWait(): boolean {
    const { idleCount, totalCount, waitingCount, options } = this.pool;
    return idleCount + (options.max - totalCount) - waitingCount <= 0;
  }

  /** A connection, or pg's acquire timeout. (How long a write waited is the write line's to say.) */
  async acquire(): Promise<Lease> {
    const client = await this.pool.connect();
    const acquired = { at: performance.now() };
    this.checkedOut.add(acquired);
    // pg listens for errors on idle connections only. One checked out can still get one between
    // queries: PostgreSQL shutting down sends its FATAL 57P01 in the same read as the last query's
    // answer, before this caller has given it back; with no listener, that would end the process.
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
    };
    client.on('error', onError);
    let released = false;
    return {
      client,
      release: (err?: Error) => {
        if (released) return;
        released = true;
        client.removeListener('error', onError);
        this.checkedOut.delete(acquired);
        this.releasedBusySeconds += (performance.now() - acquired.at) / 1000;
        client.release(err ?? lost ?? false); // a connection that failed is closed, not reused
      },
    };
  }

  /**
   * Seconds connections have been checked out, summed, the ones out now up to this moment: its
   * change over an interval ÷ the interval is the mean number busy (÷ size: the utilization).
   */
  get busySeconds(): number {
    const now = performance.now();
    let out = 0;
    for (const lease of this.checkedOut) out += now - lease.at;
    return this.releasedBusySeconds + out / 1000;
  }

  counts(): PoolCounts {
    const pools = [this.pool, ...this.draining];
    const sum = (read: (p: pg.Pool) => number) => pools.reduce((n, p) => n + read(p), 0);
    const total = sum((p) => p.totalCount);
    const idle = sum((p) => p.idleCount);
    return {
      size: this.settings.db_pool_size,
      total,
      busy: total - idle,
      idle,
      waiting: sum((p) => p.waitingCount),
      draining: this.draining.size,
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.pool, ...this.draining].map((p) => p.end().catch(() => {})));
  }

  private createPool(s: DownstreamSettings): pg.Pool {
    const pool = new pg.Pool({
      connectionString: this.url,
      max: s.db_pool_size,
      connectionTimeoutMillis: s.db_acquire_timeout_ms,
      idleTimeoutMillis: 30_000,
      application_name: APPLICATION_NAME,
      ...(s.db_statement_timeout_ms > 0 ? { statement_timeout: s.db_statement_timeout_ms } : {}),
    });
    // An idle connection the server ends (a restart, pg_terminate_backend) is reported here; without
    // a listener it would be an uncaught error. The next write finds out for itself.
    pool.on('error', (err) => this.logger.warn({ err: err.message }, 'idle database connection lost'));
    return pool;
  }

  private async drain(old: pg.Pool): Promise<void> {
    while (old.waitingCount > 0 || old.totalCount > old.idleCount) await sleep(DRAIN_POLL_MS);
    this.draining.delete(old);
    await old.end().catch(() => {});
    this.logger.info({ db_pool_size: this.settings.db_pool_size }, 'previous database pool drained and closed');
  }
}
