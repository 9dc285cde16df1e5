// Figure — items/s through DOWNSTREAM=postgres at pool sizes 1, 4 and 16, beside a bare `pg` loop
// doing the same INSERT (consumer/src/downstream/schema.ts) through a pg.Pool of the same size, in
// one run against one real PostgreSQL (scripts/postgres-server.ts). The lab's path is the whole
// consumer: POST /process over keep-alive HTTP, its concurrency limiter, the bounded pool, the
// INSERT, the answer. Both keep twice the pool's size in flight, so the pool is always full.
// Goal: the lab ≥ 0.5 × the bare loop. The per-item overhead is the extra connection time per item:
// pool size × (1/lab − 1/bare), beside the consumer's own mean acquire and query times.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { INSERT_ITEM, insertValues } from '../../consumer/src/downstream/schema';
import { type Postgres, startPostgres } from '../../scripts/postgres-server';
import { type Service, startService, waitFor } from '../../test/helpers/services';
import type { Plan } from '../plan';
import type { Figure, Row } from '../report';
import { medianOfRuns, round } from '../stats';

const POOLS = [1, 4, 16];
const GOAL = 0.5;
const PAYLOAD = 'x'.repeat(100);

/** Runs `one` in `concurrency` loops; counts completions after the warm-up, for the window. */
async function rateOf(concurrency: number, warmupS: number, windowS: number, one: (id: string) => Promise<boolean>): Promise<number> {
  let counting = false;
  let stop = false;
  let done = 0;
  let n = 0;
  const prefix = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stop) if ((await one(`${prefix}-${n++}`)) && counting) done++;
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

async function labRate(consumer: Service, pool: number, plan: Plan['downstream']) {
  const url = new URL(`${consumer.url}/process`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * pool });
  try {
    const rate = await rateOf(2 * pool, plan.warmupSeconds, plan.windowSeconds, async (id) => {
      const status = await post(agent, url, JSON.stringify({ id, created_at: Date.now(), payload: PAYLOAD }));
      return status === 200;
    });
    const { downstream } = await consumer.get('/status');
    return { rate, acquireMs: downstream.acquire.mean_ms as number, queryMs: downstream.query.mean_ms as number };
  } finally {
    agent.destroy();
  }
}

async function bareRate(db: Postgres, pool: number, plan: Plan['downstream']) {
  const bare = new pg.Pool({ connectionString: db.url, max: pool });
  try {
    const rate = await rateOf(2 * pool, plan.warmupSeconds, plan.windowSeconds, async (id) => {
      await bare.query(INSERT_ITEM, insertValues({ id, payload_bytes: PAYLOAD.length, created_at: Date.now() }, 0));
      return true;
    });
    return { rate };
  } finally {
    await bare.end();
  }
}

export async function downstreamThroughput(plan: Plan): Promise<Figure> {
  const db = await startPostgres({ port: 0 });
  let consumer: Service | undefined;
  try {
    consumer = await startService('consumer', {
      DOWNSTREAM: 'postgres',
      DATABASE_URL: db.url,
      PROCESSING_TIME_MS: '0',
      MAX_CONCURRENCY: '256',
    });
    const ready = consumer;
    await waitFor(async () => (await fetch(`${ready.url}/health/ready`)).ok, 30_000, 'the consumer to reach PostgreSQL');
    const rows: Row[] = [];
    for (const pool of POOLS) {
      await consumer.post('/admin/config', { db_pool_size: pool });
      const runs = [];
      for (let run = 0; run < plan.runs; run++) {
        await db.query('TRUNCATE items');
        const lab = await labRate(consumer, pool, plan.downstream);
        await db.query('TRUNCATE items');
        const bare = await bareRate(db, pool, plan.downstream);
        runs.push({ lab: lab.rate, bare: bare.rate, acquireMs: lab.acquireMs, queryMs: lab.queryMs });
      }
      const m = medianOfRuns(runs);
      const ratio = m.lab / m.bare;
      const overheadMs = pool * (1000 / m.lab - 1000 / m.bare);
      rows.push({
        name: `DOWNSTREAM=postgres, pool ${pool}`,
        measured: `lab ${Math.round(m.lab)}/s, bare pg ${Math.round(m.bare)}/s (${round(ratio, 2)}×); +${round(overheadMs, 2)} ms of connection time per item`,
        goal: `≥ ${GOAL} × bare`,
        met: ratio >= GOAL,
        event_loop_delay_p99_ms: null,
        values: {
          pool,
          lab_items_per_s: round(m.lab, 1),
          bare_items_per_s: round(m.bare, 1),
          ratio: round(ratio, 3),
          overhead_ms_per_item: round(overheadMs, 3),
          consumer_acquire_mean_ms: round(m.acquireMs, 3),
          consumer_query_mean_ms: round(m.queryMs, 3),
          runs: runs.map((r) => ({ lab: round(r.lab, 1), bare: round(r.bare, 1) })),
        },
      });
    }
    return {
      title: 'Throughput through PostgreSQL',
      rows,
      notes: [
        `2 × pool size in flight; the lab: POST /process to the consumer (processing_time_ms 0), the bare loop: pg.Pool.query of the same INSERT; ${plan.downstream.warmupSeconds} s warm-up, ${plan.downstream.windowSeconds} s window, table emptied before each; PostgreSQL 15 from scripts/postgres-server.ts`,
      ],
    };
  } finally {
    await consumer?.stop();
    await db.stop();
  }
}
