// The downstream's settings: which one (DOWNSTREAM, DATABASE_URL, fixed at start) and the pool's
// run-time knobs, which join the consumer's own settings (POST /admin/config, DB_POOL_SIZE=…).
import { z } from 'zod';

const ms = () => z.number().int().min(0).max(600_000);

export const DOWNSTREAMS = ['none', 'postgres'] as const;

export const downstreamEnv = {
  /** `none`: processing is the timer alone; `postgres`: every processed item is also written to PostgreSQL. */
  DOWNSTREAM: z.enum(DOWNSTREAMS).default('none'),
  DATABASE_URL: z
    .string()
    .refine(
      (url) => URL.canParse(url) && ['postgres:', 'postgresql:'].includes(new URL(url).protocol),
      'must be a URL starting with postgres://',
    )
    .refine((url) => !URL.canParse(url) || new URL(url).hostname !== '', 'must name a host')
    .default('postgres://lab@127.0.0.1:5432/lab'),
};

export const downstreamSettingsShape = {
  /** Connections the pool opens at most (pg's `max`). */
  db_pool_size: z.number().int().min(1).max(1000).default(4),
  /** How long a write waits for a connection before it gives up (pg's connectionTimeoutMillis); 0: forever. */
  db_acquire_timeout_ms: ms().default(0),
  /**
   * Writes that may wait for a connection at once; past it the consumer refuses at once (429 /
   * nack, reason db_pool_full). null: no bound, as pg's own waiting line has none.
   */
  db_max_waiting: z.number().int().min(0).max(1_000_000).nullable().default(null),
  /** PostgreSQL cancels a statement that runs longer (server side, SQLSTATE 57014); 0: never. */
  db_statement_timeout_ms: ms().default(0),
  /** The client stops waiting for an answer after this long (pg's query_timeout); the server keeps running it. 0: never. */
  db_query_timeout_ms: ms().default(0),
  /** The slow database: time each write spends inside PostgreSQL (pg_sleep in the statement). */
  db_query_ms: ms().default(0),
  /**
   * Items one INSERT may carry: writes waiting for a connection go together in the next one free
   * (a group commit, write-line.ts). 1: one INSERT per item.
   */
  db_batch_max: z.number().int().min(1).max(1000).default(1),
};

export type DownstreamSettings = z.infer<z.ZodObject<typeof downstreamSettingsShape>>;

/** Settings that are the pool's own configuration: changing one replaces the pool (the old one drains). */
export const POOL_FIELDS = ['db_pool_size', 'db_acquire_timeout_ms', 'db_statement_timeout_ms'] as const;
