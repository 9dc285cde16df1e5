// The consumer's connection pool against a real PostgreSQL: a connection that the server ends
// while a write holds it between two queries (a shutdown, pg_terminate_backend) must not end the
// consumer — pg leaves checked-out connections without an error listener — and is not reused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { z } from 'zod';
import { ConnectionPool } from '../consumer/src/downstream/connection-pool';
import { downstreamSettingsShape } from '../consumer/src/downstream/settings';
import { startDatabase } from './helpers/postgres';

test('a held connection that PostgreSQL ends between queries: no crash, and it is closed rather than reused', async (t) => {
  const db = await startDatabase();
  t.after(() => db.stop());
  const pool = new ConnectionPool(db.url, z.object(downstreamSettingsShape).parse({ db_pool_size: 1 }), pino({ level: 'silent' }));
  t.after(() => pool.close());
  const backendPid = async (lease: Awaited<ReturnType<ConnectionPool['acquire']>>) =>
    (await lease.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

  const lease = await pool.acquire();
  const pid = await backendPid(lease);
  await db.query('SELECT pg_terminate_backend($1)', [pid]);
  await sleep(500); // its FATAL 57P01 arrives while the lease is held and no query runs
  lease.release();

  const next = await pool.acquire();
  assert.notEqual(await backendPid(next), pid, 'a new connection, not the ended one');
  next.release();
});
