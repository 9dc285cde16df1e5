// The database behind the consumer (DOWNSTREAM=postgres), as the exercises reach it: by SQL, for
// the numbers a learner would check with psql (rows in `items`, queries still running in
// pg_stat_activity), and through pg_ctl, to stop it and start it again. Its URL is DATABASE_URL
// when set, else the one the consumer's /status shows (natively the same 127.0.0.1 address; in
// Docker, export DATABASE_URL=postgres://lab@127.0.0.1:5432/lab).
import path from 'node:path';
import pg from 'pg';
import { APPLICATION_NAME } from '../../consumer/src/downstream/connection-pool';
import { runPgProgram } from '../../scripts/postgres-server';
import { type ConsumerStatus, request, type Urls } from './services';

async function databaseUrl(urls: Urls): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const { body } = await request<ConsumerStatus>(`${urls.consumer}/status`);
  const url = body.downstream?.database;
  if (!url || url.includes('***')) throw new Error('set DATABASE_URL to reach the database the consumer writes to');
  return url;
}

export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(urls: Urls, text: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: await databaseUrl(urls), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export const TRUNCATE_ITEMS = 'TRUNCATE items';
export const COUNT_ITEMS = 'SELECT count(*) AS rows, count(DISTINCT id) AS ids FROM items';

/** Rows in `items`, and the distinct ids among them. */
export async function itemRows(urls: Urls): Promise<{ rows: number; ids: number }> {
  const [row] = await sql<{ rows: string; ids: string }>(urls, COUNT_ITEMS);
  return { rows: Number(row?.rows), ids: Number(row?.ids) };
}

/** The lab's INSERTs that PostgreSQL has been running for longer than `ms` (pg_stat_activity). */
export const LINGERING_WRITES = `SELECT count(*) AS n FROM pg_stat_activity
 WHERE application_name = '${APPLICATION_NAME}' AND state = 'active' AND query LIKE 'INSERT INTO items%'
   AND now() - query_start > make_interval(secs => $1 / 1000.0)`;

export async function lingeringWrites(urls: Urls, ms: number): Promise<number> {
  const [row] = await sql<{ n: string }>(urls, LINGERING_WRITES, [ms]);
  return Number(row?.n);
}

/** Stops the database the consumer writes to (pg_ctl stop -m fast): it must run on this machine. */
export async function stopDatabase(urls: Urls): Promise<string> {
  const [row] = await sql<{ data_directory: string }>(urls, 'SHOW data_directory');
  const dataDir = row?.data_directory;
  if (!dataDir) throw new Error('PostgreSQL did not say where its data directory is (SHOW data_directory)');
  await runPgProgram('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  return dataDir;
}

/** Starts it again (its port and addresses are in its postgresql.conf; `npm run postgres` puts them there). */
export async function startDatabase(dataDir: string): Promise<void> {
  await runPgProgram('pg_ctl', ['-D', dataDir, '-l', path.join(path.dirname(dataDir), 'postgres.log'), '-w', 'start']);
}
