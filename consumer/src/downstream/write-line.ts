// The line writes wait in for a connection, oldest first. Whichever connection frees up first
// takes every write waiting, up to db_batch_max, into one INSERT: a group commit. With
// db_batch_max 1 (the default) that is one INSERT per item, each waiting for its own connection,
// as callers of pg's pool do.
//
// The line is bounded where pg's own is not (brianc/node-postgres#2452): past db_max_waiting
// writes waiting, with no connection free, a new write is refused at once (db_pool_full).
//
// Batches form only under pressure: with a connection free, a write goes at once, alone. While
// every connection is busy, the line grows, and the next free connection takes it whole (up to
// db_batch_max): the slower the database, the more each INSERT carries.
import type { Span } from '@opentelemetry/api';
import type { WriteOutcome } from './downstream';
import { PoolFullError } from './errors';

export interface WaitingWrite<T> {
  item: T;
  span: Span;
  /** performance.now() when it joined the line. */
  since: number;
  done(outcome: WriteOutcome): void;
}

export interface WriteLineOptions<T, L> {
  /** A connection (its acquire timeout applies), or a rejection. */
  acquire(): Promise<L>;
  /** Writes the batch on the connection and settles each of its writes. */
  write(connection: L, batch: WaitingWrite<T>[]): Promise<void>;
  /** Settles each write of a batch that got no connection (refused, or the pool failed). */
  fail(batch: WaitingWrite<T>[], err: unknown): void;
  /** True when a new write would have to wait: no connection free that an earlier write has not claimed. */
  mustWait(): boolean;
  batchMax(): number;
  maxWaiting(): number | null;
}

export class WriteLine<T, L> {
  private readonly waiting: WaitingWrite<T>[] = [];
  /** Writers waiting for a connection: each will take up to batchMax waiting writes when it gets one. */
  private acquiring = 0;

  constructor(private readonly options: WriteLineOptions<T, L>) {}

  /** Writes waiting for a connection now (not those whose connection is free and on its way). */
  get length(): number {
    return this.waiting.length;
  }

  add(item: T, span: Span): Promise<WriteOutcome> {
    const { maxWaiting, mustWait, fail } = this.options;
    const bound = maxWaiting();
    return new Promise((done) => {
      const write = { item, span, since: performance.now(), done };
      if (bound !== null && this.waiting.length >= bound && mustWait()) return fail([write], new PoolFullError(this.waiting.length));
      this.waiting.push(write);
      this.callWriters();
    });
  }

  /** Enough writers to take every waiting write: at once where a connection is free, else when one frees up. */
  private callWriters(): void {
    const { batchMax, mustWait } = this.options;
    while (this.acquiring * batchMax() < this.waiting.length) {
      // The pool's state changes as each writer asks it (pool.connect() counts a caller at once).
      if (mustWait()) {
        this.acquiring++;
        void this.writer();
      } else void this.writer(this.waiting.splice(0, batchMax()));
    }
  }

  /** Gets a connection and writes `batch`, or, when it had to wait, whatever waits by then. */
  private async writer(batch?: WaitingWrite<T>[]): Promise<void> {
    const { acquire, write, fail, batchMax } = this.options;
    let connection: L;
    try {
      connection = await acquire();
    } catch (err) {
      if (!batch) this.acquiring--;
      // A writer that waited stood for the oldest waiting writes: they waited as long as it did.
      fail(batch ?? this.waiting.splice(0, batchMax()), err);
      this.callWriters();
      return;
    }
    if (!batch) this.acquiring--;
    await write(connection, batch ?? this.waiting.splice(0, batchMax()));
    this.callWriters();
  }
}
