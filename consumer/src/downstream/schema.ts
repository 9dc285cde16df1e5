// The table every processed item is written to, and the statements that write it: one item, or a
// batch. The bench's bare loops run the same statements (bench/figures/downstream.ts), so both
// measure the same work.
import type pg from 'pg';

export const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS items (
  id text PRIMARY KEY,
  payload_bytes integer NOT NULL,
  created_at timestamptz NOT NULL,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

/**
 * Idempotent: an item delivered again (at-least-once) finds its row and writes nothing (rowCount 0).
 * `pg_sleep($4)` is the slow database (db_query_ms): the time is spent inside PostgreSQL, holding
 * the connection, as a slow query would.
 */
export const INSERT_ITEM = `INSERT INTO items (id, payload_bytes, created_at)
SELECT $1, $2, to_timestamp($3::double precision / 1000) FROM pg_sleep($4::double precision / 1000)
ON CONFLICT (id) DO NOTHING`;

export const insertValues = (item: { id: string; payload_bytes: number; created_at: number }, queryMs: number) => [
  item.id,
  item.payload_bytes,
  item.created_at,
  queryMs,
];

/**
 * Many items in one statement (db_batch_max > 1): the same rows as INSERT_ITEM, from arrays, and
 * the ids it inserted (the others were there already). One pg_sleep for the statement (the
 * materialized CTE runs once): a slow database is slow per statement, which batching shares out.
 */
export const INSERT_BATCH = `WITH slow AS MATERIALIZED (SELECT pg_sleep($4::double precision / 1000))
INSERT INTO items (id, payload_bytes, created_at)
SELECT t.id, t.payload_bytes, to_timestamp(t.created_at / 1000)
FROM slow, unnest($1::text[], $2::integer[], $3::double precision[]) AS t(id, payload_bytes, created_at)
ON CONFLICT (id) DO NOTHING
RETURNING id`;

export const batchValues = (items: { id: string; payload_bytes: number; created_at: number }[], queryMs: number) => [
  items.map((item) => item.id),
  items.map((item) => item.payload_bytes),
  items.map((item) => item.created_at),
  queryMs,
];

/** Creates the table unless it is there (consumers starting together may race: one wins, the others see it). */
export async function ensureSchema(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('public.items')::text AS t");
  if (rows[0]?.t) return false;
  try {
    await client.query(CREATE_TABLE);
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err; // another consumer created it meanwhile
  }
  return true;
}
