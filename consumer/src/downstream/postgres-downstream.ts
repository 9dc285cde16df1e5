// DOWNSTREAM=postgres: every processed item is written to PostgreSQL's `items` table, as part of
// processing: the consumer answers 200 (or acks) only after its INSERT has committed (one
// statement, autocommit). Writes wait for a connection in a bounded line (write-line.ts), which
// hands them to the pool (connection-pool.ts) one by one, or many to an INSERT (db_batch_max). A
// write that cannot get a connection is refused (429 / nack), one the database fails is not
// stored (503 / nack) — never lost.
//
// Readiness: after a connection-class error, or when the table is missing, writes are not tried
// until a probe (a fresh connection, once a second) succeeds again; the probe creates the table
// when it is missing (at start, or after someone dropped it).
import pg from 'pg';
import type { Registry } from 'prom-client';
import type { Logger } from '../../../common/src/logger';
import { APPLICATION_NAME, ConnectionPool, type Lease, type PoolCounts } from './connection-pool';
import type { Downstream, ItemToWrite, WriteOutcome } from './downstream';
import { DB_ERROR_REASONS, type DbErrorReason, errorReason, isRefusal, makesUnready } from './errors';
import { createDownstreamMetrics, type DownstreamMetrics } from './metrics';
import { RecentDurations } from './recent';
import { batchValues, ensureSchema, INSERT_BATCH, INSERT_ITEM, insertValues } from './schema';
import type { DownstreamSettings } from './settings';
import { type DbTarget, traceDbWrite } from './tracing';
import { type WaitingWrite, WriteLine } from './write-line';

const PROBE_EVERY_MS = 1000;
/** Generous: on a loaded machine a new connection (a process forked by PostgreSQL) took seconds, and a probe that gives up too soon turns a slow database into a missing one. */
const PROBE_TIMEOUT_MS = 10_000;
/** While ready, the probe still looks this often (a database that went away with no writes to notice it). */
const PROBE_WHILE_READY_EVERY = 5;
/** The same failure is logged at most this often. */
const LOG_EVERY_MS = 5000;

export class PostgresDownstream implements Downstream {
  ready = false;
  inserted = 0;
  duplicates = 0;
  private readonly pool: ConnectionPool;
  private readonly line: WriteLine<ItemToWrite, Lease>;
  private readonly metrics: DownstreamMetrics;
  private readonly errorsByReason = Object.fromEntries(DB_ERROR_REASONS.map((r) => [r, 0])) as Record<DbErrorReason, number>;
  private lastError?: { reason: DbErrorReason; message: string; at: string };
  private readySince?: string;
  private readonly acquireTimes = new RecentDurations();
  private readonly queryTimes = new RecentDurations();
  private readonly lastLogged = new Map<DbErrorReason, number>();
  private readonly target: DbTarget;
  private probeTimer?: NodeJS.Timeout;
  private ticks = 0;
  private probing = false;

  constructor(
    private readonly url: string,
    private settings: DownstreamSettings,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    const parsed = new URL(url);
    this.target = {
      database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres',
      user: decodeURIComponent(parsed.username) || 'postgres',
      host: parsed.hostname,
      port: Number(parsed.port || 5432),
    };
    this.pool = new ConnectionPool(url, settings, logger);
    this.line = new WriteLine({
      acquire: () => this.pool.acquire(),
      write: (lease, batch) => this.insert(lease, batch),
      fail: (batch, err) => this.fail(batch, err),
      mustWait: () => this.pool.mustWait(),
      batchMax: () => this.settings.db_batch_max,
      maxWaiting: () => this.settings.db_max_waiting,
    });
    this.metrics = createDownstreamMetrics(registry, {
      counts: () => this.counts(),
      maxWaiting: () => this.settings.db_max_waiting,
      busySeconds: () => this.pool.busySeconds,
      ready: () => this.ready,
    });
  }

  /** Creates the table if needed and starts the readiness probe; resolves after the first probe, ready or not. */
  async start(): Promise<void> {
    await this.probe();
    this.probeTimer = setInterval(() => {
      this.ticks++;
      if (!this.probing && (!this.ready || this.ticks % PROBE_WHILE_READY_EVERY === 0)) void this.probe();
    }, PROBE_EVERY_MS);
    this.probeTimer.unref();
  }

  configure(settings: DownstreamSettings): void {
    this.settings = settings;
    this.pool.configure(settings);
  }

  async write(item: ItemToWrite): Promise<WriteOutcome> {
    if (!this.ready) return 'db_unavailable';
    const statement = this.settings.db_batch_max > 1 ? INSERT_BATCH : INSERT_ITEM;
    return traceDbWrite(this.target, statement, item.id, (span) => this.line.add(item, span));
  }

  /** Writes a batch the line handed over with a connection (one item: INSERT_ITEM, as the bare loop). */
  private async insert(lease: Lease, batch: WaitingWrite<ItemToWrite>[]): Promise<void> {
    if (batch.length === 0) return lease.release(); // the writes it came for went with another connection
    const taken = performance.now();
    for (const write of batch) {
      const waited = (taken - write.since) / 1000;
      this.metrics.acquire.observe(waited);
      this.acquireTimes.add(waited * 1000);
      write.span.setAttribute('db.pool.acquire_seconds', waited);
      write.span.setAttribute('db.operation.batch.size', batch.length);
    }
    const s = this.settings;
    const items = batch.map((write) => write.item);
    const single = items.length === 1 && s.db_batch_max === 1 ? items[0] : undefined;
    try {
      const result = await lease.client.query({
        text: single ? INSERT_ITEM : INSERT_BATCH,
        values: single ? insertValues(single, s.db_query_ms) : batchValues(items, s.db_query_ms),
        ...(s.db_query_timeout_ms > 0 ? { query_timeout: s.db_query_timeout_ms } : {}),
      } as pg.QueryConfig);
      const seconds = (performance.now() - taken) / 1000;
      lease.release();
      this.metrics.query.observe(seconds);
      this.metrics.batch.observe(batch.length);
      this.queryTimes.add(seconds * 1000);
      const inserted = new Set(single ? (result.rowCount === 1 ? [single.id] : []) : result.rows.map((row: { id: string }) => row.id));
      for (const write of batch) {
        // An id twice in one batch is inserted once: the second is the duplicate.
        const fresh = inserted.delete(write.item.id);
        if (fresh) this.inserted++;
        else this.duplicates++;
        this.metrics.writes.inc({ result: fresh ? 'inserted' : 'duplicate' });
        write.span.setAttribute('db.response.returned_rows', fresh ? 1 : 0);
        write.span.setAttribute('db.write.duplicate', !fresh);
        write.done('written');
      }
    } catch (err) {
      const reason = errorReason(err);
      // A connection that timed out on the client side may still be busy on the server: never reuse it.
      lease.release(reason === 'statement_timeout' || reason === 'undefined_table' ? undefined : (err as Error));
      this.fail(batch, err);
    }
  }

  /** Settles writes that failed or were refused, all for the same reason. */
  private fail(batch: WaitingWrite<ItemToWrite>[], err: unknown): void {
    if (batch.length === 0) return;
    const reason = errorReason(err);
    this.failed(reason, err as Error, batch.length);
    for (const write of batch) {
      write.span.setAttribute('db.error.reason', reason);
      write.span.setAttribute('error.type', reason);
      if (!isRefusal(reason)) write.span.setStatus({ code: 2, message: (err as Error).message });
      write.done(isRefusal(reason) ? 'db_pool_full' : 'db_unavailable');
    }
  }

  /** The pool's counts, with the writes waiting in the line (pg's own line holds at most one caller per batch). */
  private counts(): PoolCounts {
    return { ...this.pool.counts(), waiting: this.line.length };
  }

  describe() {
    const counts = this.counts();
    const s = this.settings;
    return {
      kind: 'postgres' as const,
      database: redacted(this.url),
      ready: this.ready,
      ready_since: this.ready ? this.readySince : undefined,
      last_error: this.lastError,
      pool: {
        ...counts,
        max_waiting: s.db_max_waiting,
        utilization: Math.round((100 * counts.busy) / Math.max(counts.size, 1)) / 100,
        /** Seconds connections were checked out, summed since start: Δ ÷ Δt is the mean number busy. */
        busy_seconds: Math.round(this.pool.busySeconds * 1000) / 1000,
      },
      acquire: this.acquireTimes.summary(),
      query: this.queryTimes.summary(),
      writes: { inserted: this.inserted, duplicates_avoided: this.duplicates, statements: this.queryTimes.summary().count },
      errors_by_reason: { ...this.errorsByReason },
      settings: {
        db_pool_size: s.db_pool_size,
        db_acquire_timeout_ms: s.db_acquire_timeout_ms,
        db_max_waiting: s.db_max_waiting,
        db_statement_timeout_ms: s.db_statement_timeout_ms,
        db_query_timeout_ms: s.db_query_timeout_ms,
        db_query_ms: s.db_query_ms,
        db_batch_max: s.db_batch_max,
      },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.probeTimer);
    await this.pool.close();
  }

  private failed(reason: DbErrorReason, err: Error, writes: number): void {
    this.errorsByReason[reason] += writes;
    this.metrics.errors.inc({ reason }, writes);
    this.noteError(reason, err);
    if (makesUnready(reason)) this.setReady(false);
  }

  /** Keeps the last error for /status and logs it, at most once per LOG_EVERY_MS per reason. */
  private noteError(reason: DbErrorReason, err: Error): void {
    this.lastError = { reason, message: err.message || String((err as { code?: string }).code), at: new Date().toISOString() };
    const now = Date.now();
    if (now - (this.lastLogged.get(reason) ?? 0) < LOG_EVERY_MS) return;
    this.lastLogged.set(reason, now);
    const level = isRefusal(reason) ? 'info' : 'error';
    this.logger[level]({ reason, err: this.lastError.message, code: (err as { code?: string }).code }, `database write failed: ${reason}`);
  }

  private setReady(ready: boolean): void {
    if (ready === this.ready) return;
    this.ready = ready;
    if (ready) {
      this.readySince = new Date().toISOString();
      this.logger.info({ database: redacted(this.url) }, 'database ready');
    } else {
      this.logger.warn({ database: redacted(this.url), last_error: this.lastError }, 'database not ready: writes refused until it answers');
    }
  }

  /** A fresh connection (not one of the pool's, which may all be busy): does the database answer, with its table? */
  private async probe(): Promise<void> {
    this.probing = true;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      application_name: `${APPLICATION_NAME} probe`,
    });
    client.on('error', () => {}); // a server that goes away mid-probe: the query below fails too
    try {
      await client.connect();
      if (await ensureSchema(client)) this.logger.info('table items created');
      this.setReady(true);
    } catch (err) {
      this.noteError(errorReason(err), err as Error);
      this.setReady(false);
    } finally {
      await client.end().catch(() => {});
      this.probing = false;
    }
  }
}

/** The URL without its password, for /status and logs. */
export function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
