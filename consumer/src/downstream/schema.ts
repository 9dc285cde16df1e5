// The table every processed item is written to, and the one statement that writes it. The bench's
// bare loop runs the same statement (bench/figures/downstream.ts), so both measure the same work.
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
