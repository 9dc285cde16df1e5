// A real PostgreSQL for the downstream tests (Debian's postgresql 15, installed by .ci/run): started
// on a free 127.0.0.1 port the way `npm run postgres` starts it (scripts/postgres-server.ts), one
// per test file, and stopped by PID. Also the environment that puts a consumer on it.
import pg from 'pg';
import { type Postgres, startPostgres } from '../../scripts/postgres-server';

export type { Postgres };

export const startDatabase = (config: string[] = []) => startPostgres({ port: 0, config });

/** The environment that makes a consumer write every processed item to this database. */
export const databaseEnv = (db: Postgres) => ({ DOWNSTREAM: 'postgres', DATABASE_URL: db.url });

/** Rows in `items` and how many distinct ids they hold (equal: the primary key), by SQL. */
export async function itemRows(db: Postgres): Promise<{ rows: number; distinct: number }> {
  const [row] = await db.query<{ rows: string; distinct: string }>('SELECT count(*) AS rows, count(DISTINCT id) AS distinct FROM items');
  return { rows: Number(row!.rows), distinct: Number(row!.distinct) };
}

/** Runs a statement on the `postgres` database (for what cannot be done from `lab`, e.g. refusing connections to it). */
export async function adminQuery(db: Postgres, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.url.replace(/\/lab$/, '/postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
