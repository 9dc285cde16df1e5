// Figure — items/s through DOWNSTREAM=postgres at pool sizes 1, 4 and 16, beside a bare `pg` loop
// doing the same INSERT (consumer/src/downstream/schema.ts) through a pg.Pool of the same size, in
// one run against one real PostgreSQL (scripts/postgres-server.ts). Each keeps the same number of
// items in flight, twice the pool's size and at least 32, so the pool is always full: a consumer's
// prefetch must also cover the broker's ack-to-delivery round trip (with prefetch 2 at pool 1 the
// consumer waited for its next delivery and reached a fifth of the bare loop). The lab is measured
// on both of its transports:
// - over RabbitMQ: a consumer (prefetch = what is in flight) drains items queued in lab.items, each
//   written and committed before its ack. One INSERT per item stays under half the bare loop here
//   (so does bare amqplib → pg, below): its row is held to 0.5 × that floor.
// - over HTTP: POST /process to a consumer, one item per request. Beside it, the same requests to a
//   consumer with no database: the HTTP path's own ceiling, which is below half the bare loop on
//   this machine (an express route + JSON body is ~0.4 ms of CPU; a committed INSERT ~0.1 ms).
// - batched (db_batch_max 100, prefetch 256), where the goal is, the lab ≥ 0.5 × the bare loop:
//   the broker path again, writes waiting for a connection going together in one INSERT
//   (consumer/src/downstream/write-line.ts); beside it a bare loop writing 256 in flight in batches
//   of the same INSERT_BATCH, 256 ÷ pool per statement.
// The pool's per-item overhead is the extra connection time per item: pool × (1/lab − 1/bare).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import pg from 'pg';
import { ITEMS_QUEUE } from '../../common/src/broker-topology';
import { batchValues, INSERT_BATCH, INSERT_ITEM, insertValues } from '../../consumer/src/downstream/schema';
import { type Postgres, startPostgres } from '../../scripts/postgres-server';
import { type RabbitMQ, startRabbitMQ } from '../../scripts/rabbitmq-server';
import { brokerEnv } from '../../test/helpers/rabbitmq';
import { type Service, startService } from '../../test/helpers/services';
import type { Plan } from '../plan';
import type { Figure, Row } from '../report';
import { median, medianOfRuns, round } from '../stats';
import { waitReady } from './scale-out';

const POOLS = [1, 4, 16];
/** Items in flight on every path, for a pool of `pool` connections. */
const inFlight = (pool: number) => Math.max(32, 2 * pool);
const GOAL = 0.5;
const BATCH_MAX = 100;
/**
 * Items in flight on the batched paths. A batch is made of writes that wait for a connection, so
 * its size is about in flight ÷ pool: with 32 in flight a pool of 16 writes 2 at a time (measured:
 * 1.6 per INSERT, 0.39 × bare pg). A consumer that batches is given the prefetch to fill them.
 */
const BATCHED_IN_FLIGHT = 256;
const PAYLOAD = 'x'.repeat(100);

/** Runs `one` in `concurrency` loops; counts the items each call completed after the warm-up, for the window. */
async function rateOf(concurrency: number, warmupS: number, windowS: number, one: (id: string) => Promise<number>): Promise<number> {
  let counting = false;
  let stop = false;
  let done = 0;
  let n = 0;
  const prefix = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stop) {
      const items = await one(`${prefix}-${n++}`);
      if (counting) done += items;
    }
  });
  await sleep(warmupS * 1000);
  counting = true;
  const started = performance.now();
  await sleep(windowS * 1000);
  counting = false;
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(loops);
  return done / seconds;
}

/** One POST over a keep-alive agent (node:http, as the bench's pair client: fetch added ~30 ms per request here). */
function post(agent: http.Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POST /process with inFlight(pool) at once; with a database, also the consumer's mean acquire and query times. */
async function httpRate(consumer: Service, pool: number, plan: Plan['downstream']) {
  const url = new URL(`${consumer.url}/process`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight(pool) });
  try {
    return await rateOf(inFlight(pool), plan.warmupSeconds, plan.windowSeconds, async (id) => {
      const status = await post(agent, url, JSON.stringify({ id, created_at: Date.now(), payload: PAYLOAD }));
      return status === 200 ? 1 : 0;
    });
  } finally {
    agent.destroy();
  }
}

async function bareRate(db: Postgres, pool: number, plan: Plan['downstream']) {
  const bare = new pg.Pool({ connectionString: db.url, max: pool });
  try {
    return await rateOf(inFlight(pool), plan.warmupSeconds, plan.windowSeconds, async (id) => {
      await bare.query(INSERT_ITEM, insertValues({ id, payload_bytes: PAYLOAD.length, created_at: Date.now() }, 0));
      return 1;
    });
  } finally {
    await bare.end();
  }
}

/** The batched paths' in-flight items, in flight ÷ pool per INSERT_BATCH: one statement per connection at a time. */
async function bareBatchedRate(db: Postgres, pool: number, plan: Plan['downstream']) {
  const bare = new pg.Pool({ connectionString: db.url, max: pool });
  const size = Math.ceil(BATCHED_IN_FLIGHT / pool);
  try {
    return await rateOf(pool, plan.warmupSeconds, plan.windowSeconds, async (id) => {
      const items = Array.from({ length: size }, (_, k) => ({ id: `${id}-${k}`, payload_bytes: PAYLOAD.length, created_at: Date.now() }));
      await bare.query(INSERT_BATCH, batchValues(items, 0));
      return size;
    });
  } finally {
    await bare.end();
  }
}

/** The broker path: items already waiting in lab.items, drained by a consumer holding inFlight(pool). */
interface BrokerPath {
  producer: Service;
  consumer: Service;
}

const processed = async (consumer: Service) => (await consumer.get('/status')).totals.processed as number;

/** The consumer's writes so far: items written (inserted or found there) and the INSERTs that did it. */
async function writesOf(consumer: Service) {
  const { writes } = (await consumer.get('/status')).downstream;
  return { items: (writes.inserted as number) + (writes.duplicates_avoided as number), statements: writes.statements as number };
}

async function itemsPerStatementSince(consumer: Service, before: { items: number; statements: number }) {
  const now = await writesOf(consumer);
  return (now.items - before.items) / Math.max(1, now.statements - before.statements);
}

/**
 * Tops lab.items up to `needed` items: ready, or delivered to the paused consumer (its prefetch) but
 * not acked. Looks again until it holds: a consumer just paused still finishes what it had begun,
 * and the unacked count comes from the management API's statistics, a second or so late.
 */
async function fillQueue({ producer }: BrokerPath, needed: number): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const { backend } = await producer.get('/status');
    const held = (backend.depth as number) + ((backend.unacked as number | undefined) ?? 0);
    if (held >= needed) return;
    if (performance.now() > deadline) throw new Error(`${held} of ${needed} items queued in RabbitMQ after 120 s`);
    await producer.post('/produce', { count: needed - held });
    await sleep(1500);
  }
}

async function brokerRate(path: BrokerPath, plan: Plan['downstream'], needed: number) {
  const { consumer } = path;
  await fillQueue(path, needed);
  await consumer.post('/admin/resume');
  try {
    await sleep(plan.warmupSeconds * 1000);
    const [before, t0] = [await processed(consumer), performance.now()];
    await sleep(plan.windowSeconds * 1000);
    const [after, t1] = [await processed(consumer), performance.now()];
    return (after - before) / ((t1 - t0) / 1000);
  } finally {
    await consumer.post('/admin/pause');
  }
}

/**
 * The broker path's floor on this machine: bare amqplib takes the same queued items (prefetch
 * inFlight(pool)), writes each with the same INSERT through a pg.Pool, then acks it. RabbitMQ,
 * PostgreSQL and the consumer share the machine's cores, which the bare pg loop leaves to pg alone.
 */
async function bareBrokerRate(path: BrokerPath, db: Postgres, amqpUrl: string, pool: number, plan: Plan['downstream'], needed: number) {
  await fillQueue(path, needed);
  const connection = await amqp.connect(amqpUrl);
  const bare = new pg.Pool({ connectionString: db.url, max: pool });
  let done = 0;
  let stopped = false; // writes that finish after the window are not acked: the close requeues them
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(inFlight(pool));
    await channel.consume(ITEMS_QUEUE, (message) => {
      if (!message) return;
      const item = JSON.parse(message.content.toString()) as { id: string; created_at: number; payload?: string };
      const values = insertValues({ id: item.id, payload_bytes: Buffer.byteLength(item.payload ?? ''), created_at: item.created_at }, 0);
      bare.query(INSERT_ITEM, values).then(
        () => {
          if (stopped) return;
          channel.ack(message);
          done++;
        },
        () => !stopped && channel.nack(message),
      );
    });
    await sleep(plan.warmupSeconds * 1000);
    const [before, t0] = [done, performance.now()];
    await sleep(plan.windowSeconds * 1000);
    return (done - before) / ((performance.now() - t0) / 1000);
  } finally {
    stopped = true;
    await connection.close(); // what it held goes back to the queue
    await bare.end();
  }
}

async function startBrokerPath(db: Postgres, rabbit: RabbitMQ): Promise<BrokerPath> {
  const producer = await startService('producer', { ...brokerEnv(rabbit), PRODUCTION_RATE: '0', PAYLOAD_BYTES: String(PAYLOAD.length) });
  const consumer = await startService('consumer', {
    ...brokerEnv(rabbit),
    DOWNSTREAM: 'postgres',
    DATABASE_URL: db.url,
    PROCESSING_TIME_MS: '0',
  });
  return { producer, consumer };
}

export async function downstreamThroughput(plan: Plan): Promise<Figure> {
  const settings = plan.downstream;
  // Enough waiting items for the fastest drain seen here (~10,000/s) over the warm-up and window.
  const needed = Math.ceil(10_000 * (settings.warmupSeconds + settings.windowSeconds));
  const db = await startPostgres({ port: 0 });
  const rabbit = await startRabbitMQ({ amqpPort: 0, managementPort: 0 });
  const services: Service[] = [];
  const start = async (service: Promise<Service>) => {
    services.push(await service);
    return services.at(-1)!;
  };
  try {
    const httpDb = await start(
      startService('consumer', { DOWNSTREAM: 'postgres', DATABASE_URL: db.url, PROCESSING_TIME_MS: '0', MAX_CONCURRENCY: '256' }),
    );
    const httpOnly = await start(startService('consumer', { PROCESSING_TIME_MS: '0', MAX_CONCURRENCY: '256' }));
    const broker = await startBrokerPath(db, rabbit);
    services.push(broker.producer, broker.consumer);
    for (const service of [httpDb, broker.consumer, broker.producer]) await waitReady(service);
    await broker.consumer.post('/admin/pause'); // each run fills the queue first (a paused consumer is not ready)
    const rows: Row[] = [];
    // Quick mode (the bench's own test) checks that the figure is made: one pool.
    for (const pool of plan.quick ? [1] : POOLS) {
      await httpDb.post('/admin/config', { db_pool_size: pool });
      await broker.consumer.post('/admin/config', { db_pool_size: pool, max_concurrency: inFlight(pool) });
      const runs = [];
      const itemsPerInsert: number[] = [];
      let perItem: { acquire: { mean_ms: number }; query: { mean_ms: number } } | undefined;
      for (let run = 0; run < plan.runs; run++) {
        await db.query('TRUNCATE items');
        const bare = await bareRate(db, pool, settings);
        await db.query('TRUNCATE items');
        const overBroker = await brokerRate(broker, settings, needed);
        perItem = (await broker.consumer.get('/status')).downstream;
        await db.query('TRUNCATE items');
        await broker.consumer.post('/admin/config', { db_batch_max: BATCH_MAX, max_concurrency: BATCHED_IN_FLIGHT });
        const written = await writesOf(broker.consumer);
        const batched = await brokerRate(broker, settings, needed);
        itemsPerInsert.push(await itemsPerStatementSince(broker.consumer, written));
        await broker.consumer.post('/admin/config', { db_batch_max: 1, max_concurrency: inFlight(pool) });
        await db.query('TRUNCATE items');
        const bareBatched = await bareBatchedRate(db, pool, settings);
        await db.query('TRUNCATE items');
        const bareBroker = await bareBrokerRate(broker, db, rabbit.amqpUrl, pool, settings, needed);
        await db.query('TRUNCATE items');
        const overHttp = await httpRate(httpDb, pool, settings);
        const httpCeiling = await httpRate(httpOnly, pool, settings);
        runs.push({ bare, overBroker, bareBroker, batched, bareBatched, overHttp, httpCeiling });
      }
      const m = medianOfRuns(runs);
      const downstream = perItem!;
      const ratio = m.overBroker / m.bare;
      const batchedRatio = m.batched / m.bare;
      const perInsert = median(itemsPerInsert);
      const overheadMs = pool * (1000 / m.overBroker - 1000 / m.bare);
      const values = {
        pool,
        bare_items_per_s: round(m.bare, 1),
        broker_items_per_s: round(m.overBroker, 1),
        bare_amqplib_pg_items_per_s: round(m.bareBroker, 1),
        ratio_to_bare_amqplib_pg: round(m.overBroker / m.bareBroker, 3),
        http_items_per_s: round(m.overHttp, 1),
        http_without_database_items_per_s: round(m.httpCeiling, 1),
        ratio: round(ratio, 3),
        batched_items_per_s: round(m.batched, 1),
        batched_ratio: round(batchedRatio, 3),
        batched_items_per_insert: round(perInsert, 1),
        bare_batched_items_per_s: round(m.bareBatched, 1),
        overhead_ms_per_item: round(overheadMs, 3),
        consumer_acquire_mean_ms: round(downstream.acquire.mean_ms, 3),
        consumer_query_mean_ms: round(downstream.query.mean_ms, 3),
        runs: runs.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v, 1)]))),
      };
      rows.push({
        name: `DOWNSTREAM=postgres, pool ${pool}, over RabbitMQ`,
        measured: `lab ${Math.round(m.overBroker)}/s, bare pg ${Math.round(m.bare)}/s (${round(ratio, 2)}×); +${round(overheadMs, 2)} ms of connection time per item; bare amqplib → pg ${Math.round(m.bareBroker)}/s (lab ${round(m.overBroker / m.bareBroker, 2)}× that)`,
        goal: `≥ ${GOAL} × bare amqplib → pg (one INSERT per item cannot reach ${GOAL} × bare pg here)`,
        met: m.overBroker / m.bareBroker >= GOAL,
        event_loop_delay_p99_ms: null,
        values,
      });
      rows.push({
        name: `DOWNSTREAM=postgres, pool ${pool}, over RabbitMQ, db_batch_max ${BATCH_MAX}, prefetch ${BATCHED_IN_FLIGHT}`,
        measured: `lab ${Math.round(m.batched)}/s, ${round(batchedRatio, 2)}× bare pg (one INSERT per item); ${round(perInsert, 1)} items per INSERT; a bare loop of batches of ${Math.ceil(BATCHED_IN_FLIGHT / pool)}: ${Math.round(m.bareBatched)}/s`,
        goal: `≥ ${GOAL} × bare`,
        met: batchedRatio >= GOAL,
        event_loop_delay_p99_ms: null,
        values: {
          pool,
          batched_items_per_s: values.batched_items_per_s,
          batched_ratio: values.batched_ratio,
          batched_items_per_insert: values.batched_items_per_insert,
          bare_batched_items_per_s: values.bare_batched_items_per_s,
        },
      });
      rows.push({
        name: `DOWNSTREAM=postgres, pool ${pool}, over HTTP`,
        measured: `lab ${Math.round(m.overHttp)}/s (${round(m.overHttp / m.bare, 2)}× bare); the same requests without a database: ${Math.round(m.httpCeiling)}/s`,
        goal: '— (one HTTP request per item)',
        met: null,
        event_loop_delay_p99_ms: null,
        values: {
          pool,
          http_items_per_s: values.http_items_per_s,
          http_without_database_items_per_s: values.http_without_database_items_per_s,
        },
      });
    }
    return {
      title: 'Throughput through PostgreSQL',
      rows,
      notes: [
        `max(32, 2 × pool size) in flight on every path; bare: pg.Pool.query of the same INSERT; over RabbitMQ: a consumer with that prefetch drains ${needed} items queued in lab.items; bare amqplib → pg: amqplib with that prefetch takes the same items, writes each through a pg.Pool of the same size and acks it; db_batch_max ${BATCH_MAX}: the RabbitMQ path with ${BATCHED_IN_FLIGHT} in flight (prefetch), writes waiting for a connection going in one INSERT_BATCH, beside a bare loop of INSERT_BATCH (${BATCHED_IN_FLIGHT} ÷ pool items each, one per connection); over HTTP: POST /process (processing_time_ms 0), and the same to a consumer without a database; ${settings.warmupSeconds} s warm-up, ${settings.windowSeconds} s window, table emptied before each; median of ${plan.runs} run(s); PostgreSQL 15 from scripts/postgres-server.ts, RabbitMQ from scripts/rabbitmq-server.ts`,
      ],
    };
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await rabbit.stop();
    await db.stop();
  }
}
