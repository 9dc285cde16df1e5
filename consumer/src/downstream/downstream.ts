// What the consumer hands every processed item to after its processing time: nothing (the
// default), or a database (postgres-downstream.ts). An item counts as processed only once its
// downstream said `written`.
import type { DownstreamSettings } from './settings';

export interface ItemToWrite {
  id: string;
  created_at: number;
  payload_bytes: number;
}

/**
 * `written`: stored (or already there: a duplicate avoided). `db_pool_full`: refused at once or
 * after waiting too long for a connection (come back later: 429). `db_unavailable`: the database
 * failed the write (503); the item was not stored.
 */
export type WriteOutcome = 'written' | 'db_pool_full' | 'db_unavailable';

export interface Downstream {
  /** False while writes cannot succeed (the database is down, refuses, or lost its table): readiness 503. */
  readonly ready: boolean;
  write(item: ItemToWrite): Promise<WriteOutcome>;
  /** The settings changed (the pool may be replaced). */
  configure(settings: DownstreamSettings): void;
  /** For /status. */
  describe(): object | undefined;
  close(): Promise<void>;
}

/** DOWNSTREAM=none: processing is the timer alone. */
export class NoDownstream implements Downstream {
  readonly ready = true;
  write(): Promise<WriteOutcome> {
    return Promise.resolve('written');
  }
  configure(): void {}
  describe() {
    return undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
