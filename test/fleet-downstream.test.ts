// The database as a hop of the fleet's picture (labs/src/fleet-downstream.ts, shown by the browser
// view and `npm run watch`): its utilization is measured from the consumers' busy seconds, and this
// test compares it with PostgreSQL's own view of the same connections (pg_stat_activity sampled
// every 50 ms). A database that cannot keep up is named as the bottleneck.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { APPLICATION_NAME } from '../consumer/src/downstream/connection-pool';
import { type FleetView, FleetWatch } from '../labs/src/fleet';
import { databaseEnv, type Postgres, startDatabase } from './helpers/postgres';
import { type Lab, sleep, startLab, waitFor } from './helpers/services';

const QUERY_MS = 200;
const POOL = 2;

let db: Postgres;
let lab: Lab;
before(async () => {
  db = await startDatabase();
  lab = await startLab(
    { PRODUCTION_RATE: '5', SENDER_CONCURRENCY: '8' },
    { ...databaseEnv(db), PROCESSING_TIME_MS: '0', MAX_CONCURRENCY: '8', DB_POOL_SIZE: String(POOL), DB_QUERY_MS: String(QUERY_MS) },
  );
  const consumer = lab.consumer;
  await waitFor(async () => (await fetch(`${consumer.url}/health/ready`)).ok, 30_000, 'the consumer to reach PostgreSQL');
});
after(async () => {
  await lab?.stop();
  await db?.stop();
});

/** PostgreSQL's count of the consumer's connections running a statement, sampled until `stop`. */
async function sampleActive(stop: () => boolean): Promise<number[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const counts: number[] = [];
  try {
    while (!stop()) {
      const { rows } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
        [APPLICATION_NAME],
      );
      counts.push(Number(rows[0]?.n));
      await sleep(50);
    }
  } finally {
    await client.end();
  }
  return counts;
}

/** Looks at the fleet every 500 ms for `seconds`; the last look and PostgreSQL's samples of the same time. */
async function watch(seconds: number): Promise<{ view: FleetView; pgBusy: number }> {
  const fleet = new FleetWatch('http://127.0.0.1:9', { producer: lab.producer.url, consumer: lab.consumer.url });
  const until = performance.now() + seconds * 1000;
  const samples = sampleActive(() => performance.now() > until);
  let view: FleetView | undefined;
  while (performance.now() < until) {
    view = await fleet.look();
    await sleep(500);
  }
  view = await fleet.look();
  // The fleet's window is its last 2–4 s: compare with PostgreSQL's last 3 s of samples.
  const counts = (await samples).slice(-Math.round(3000 / 60));
  assert.ok(view, 'the fleet answered');
  return { view, pgBusy: counts.reduce((a, b) => a + b, 0) / counts.length };
}

test('the database hop: its utilization matches pg_stat_activity, its query time the slow database', { timeout: 90_000 }, async () => {
  await sleep(2000); // the producer's 5/s reaches a steady state
  const { view, pgBusy } = await watch(6);
  const d = view.downstream;
  assert.ok(d, `a downstream section: ${JSON.stringify(view)}`);
  console.log(`utilization ${d.utilization}; pg_stat_activity: ${pgBusy.toFixed(2)} of ${POOL} busy; query ${d.query_ms} ms`);
  assert.equal(d.kind, 'postgres');
  assert.deepEqual([d.writers, d.ready, d.size], [1, 1, POOL]);
  assert.ok(d.utilization !== null, 'measured once a window has passed');
  // 5 items/s × 0.2 s = 1 connection of 2 busy, by Little's law; PostgreSQL says how many really were.
  assert.ok(Math.abs(d.utilization - pgBusy / POOL) <= 0.15, `view ${d.utilization} vs PostgreSQL ${pgBusy / POOL}`);
  assert.ok(d.query_ms !== null && d.query_ms >= QUERY_MS && d.query_ms < QUERY_MS * 1.5, `query ${d.query_ms} ms`);
  assert.equal(view.bottleneck, undefined, `half-busy is no bottleneck: ${JSON.stringify(view.bottleneck)}`);
});

test('a database slower than the arrivals is the bottleneck: every connection busy, writes waiting', { timeout: 90_000 }, async () => {
  // 20 items/s × 0.2 s wants 4 connections; there are 2.
  await lab.producer.post('/admin/config', { production_rate: 20 });
  try {
    await sleep(3000);
    const { view, pgBusy } = await watch(4);
    const d = view.downstream;
    assert.ok(d);
    console.log(
      `utilization ${d.utilization}; pg_stat_activity ${pgBusy.toFixed(2)} of ${POOL}; waiting ${d.waiting}; ${view.bottleneck?.why}`,
    );
    assert.ok(pgBusy / POOL >= 0.9, `PostgreSQL itself is saturated: ${pgBusy}`);
    assert.ok(d.utilization !== null && d.utilization >= 0.9, `utilization ${d.utilization}`);
    assert.equal(d.full_hop, 'pool_connections');
    assert.ok(d.waiting > 0, 'writes wait for a connection');
    assert.equal(view.bottleneck?.hop, 'downstream');
    assert.match(view.bottleneck.why, /the database/);
  } finally {
    await lab.producer.post('/admin/config', { production_rate: 5 });
  }
});
