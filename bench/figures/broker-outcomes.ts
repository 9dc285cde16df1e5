// Figure — what job outcomes cost on the broker (QUEUE_BACKEND=rabbitmq, issue 19): CPU per item
// (producer + consumer + RabbitMQ's VM, /proc/<pid>/stat) while a consumer drains items that want
// no outcome (POST /produce) and job items whose outcome goes back to the producer (POST /jobs),
// in alternating runs on one broker and one pair of services. Each run fills the queue with the
// consumer paused (the fill is not measured), resumes it, and measures until every item is
// processed and, for jobs, every outcome has reached the producer. What the three processes burn
// anyway (RabbitMQ's statistics, the polls, this bench's own GET /status every POLL_MS) is read
// just before, over IDLE_SECONDS with the queue full and the consumer paused, and taken off in
// proportion to the drain's duration: the figure is what each item adds. Goal: outcomes add ≤ 10%.
import { setTimeout as sleep } from 'node:timers/promises';
import { startRabbitMQ } from '../../scripts/rabbitmq-server';
import { brokerEnv } from '../../test/helpers/rabbitmq';
import { type Service, startService } from '../../test/helpers/services';
import { cpuSeconds } from '../cpu';
import type { Plan } from '../plan';
import type { Figure } from '../report';
import { median, round } from '../stats';
import { brokerPid, waitReady } from './scale-out';

const PARALLEL_REQUESTS = 32;
const PREFETCH = 50;
const GOAL_RATIO = 1.1;
const POLL_MS = 250;
const IDLE_SECONDS = 2;

type Kind = 'items' | 'jobs';

async function fill(producer: Service, kind: Kind, count: number): Promise<void> {
  if (kind === 'items') {
    await producer.post('/produce', { count });
    return;
  }
  await Promise.all(
    Array.from({ length: PARALLEL_REQUESTS }, async (_, worker) => {
      for (let i = worker; i < count; i += PARALLEL_REQUESTS) await producer.post('/jobs', {});
    }),
  );
}

interface DrainRun {
  items: number;
  seconds: number;
  /** CPU microseconds per item: producer, consumer, broker, and their sum. */
  perItem: { producer: number; consumer: number; broker: number; total: number };
}

async function drainRun(producer: Service, consumer: Service, broker: number, kind: Kind, count: number): Promise<DrainRun> {
  const status = async () => {
    const [p, c] = [await producer.get('/status'), await consumer.get('/status')];
    return { processed: c.totals.processed as number, outcomes: p.backend.job_outcomes.received as number };
  };
  await consumer.post('/admin/pause');
  await fill(producer, kind, count);
  const pids = [producer.child.pid!, consumer.child.pid!, broker];
  // The idle rate: nothing moves, the same polling goes on.
  const idleBefore = pids.map(cpuSeconds);
  const idleStarted = performance.now();
  while (performance.now() - idleStarted < IDLE_SECONDS * 1000) {
    await status();
    await sleep(POLL_MS);
  }
  const idleSeconds = (performance.now() - idleStarted) / 1000;
  const idlePerSecond = pids.map((pid, i) => (cpuSeconds(pid) - idleBefore[i]!) / idleSeconds);
  const start = await status();
  const items = count; // the queue is unbounded: every one was queued
  const before = pids.map(cpuSeconds);
  const t0 = performance.now();
  await consumer.post('/admin/resume');
  for (;;) {
    const now = await status();
    const drained = now.processed - start.processed >= items;
    if (drained && (kind === 'items' || now.outcomes - start.outcomes >= items)) break;
    if (performance.now() - t0 > 120_000) throw new Error(`drain of ${items} ${kind} did not finish: ${JSON.stringify({ start, now })}`);
    await sleep(POLL_MS);
  }
  const seconds = (performance.now() - t0) / 1000;
  const [producerUs, consumerUs, brokerUs] = pids.map(
    (pid, i) => ((cpuSeconds(pid) - before[i]! - idlePerSecond[i]! * seconds) / items) * 1e6,
  );
  return {
    items,
    seconds,
    perItem: { producer: producerUs!, consumer: consumerUs!, broker: brokerUs!, total: producerUs! + consumerUs! + brokerUs! },
  };
}

export async function brokerJobOutcomes(plan: Plan): Promise<Figure> {
  const count = plan.quick ? 300 : 5000;
  const rabbit = await startRabbitMQ({ amqpPort: 0, managementPort: 0 });
  const env = brokerEnv(rabbit);
  const producer = await startService('producer', { ...env, PRODUCTION_RATE: '0', PAYLOAD_BYTES: '1024' });
  const consumer = await startService('consumer', {
    ...env,
    PROCESSING_TIME_MS: '0',
    MAX_CONCURRENCY: String(PREFETCH),
  });
  try {
    await Promise.all([waitReady(producer), waitReady(consumer)]);
    const broker = brokerPid(rabbit);
    const runs: Record<Kind, DrainRun[]> = { items: [], jobs: [] };
    for (let run = 0; run < plan.runs; run++) {
      for (const kind of ['items', 'jobs'] as const) runs[kind].push(await drainRun(producer, consumer, broker, kind, count));
    }
    const perItem = (kind: Kind) => median(runs[kind].map((r) => r.perItem.total));
    const [off, on] = [perItem('items'), perItem('jobs')];
    const ratio = on / off;
    const row = (kind: Kind, name: string, measured: string, goal: string, met: boolean | null) => ({
      name,
      measured,
      goal,
      met,
      event_loop_delay_p99_ms: null,
      values: {
        cpu_us_per_item: round(perItem(kind), 1),
        items_per_run: count,
        runs: runs[kind].map((r) => ({
          items: r.items,
          items_per_second: round(r.items / r.seconds, 1),
          cpu_us_per_item: Object.fromEntries(Object.entries(r.perItem).map(([k, v]) => [k, round(v, 1)])),
        })),
      },
    });
    return {
      title: 'Broker job outcomes',
      rows: [
        row('items', 'broker CPU per item, no outcome (POST /produce items)', `${Math.round(off)} µs`, '—', null),
        row(
          'jobs',
          'broker CPU per item, job outcome reported back (POST /jobs items)',
          `${Math.round(on)} µs = ${round(ratio, 2)} × without`,
          `≤ ${GOAL_RATIO} ×`,
          ratio <= GOAL_RATIO,
        ),
      ],
      notes: [
        `CPU of the producer, the consumer (processing_time_ms 0, prefetch ${PREFETCH}) and RabbitMQ's VM while ${count} queued items drain, less their idle rate × the drain's duration, per item; median of ${plan.runs} alternating run(s)`,
      ],
    };
  } finally {
    await Promise.all([producer.stop(), consumer.stop()]);
    await rabbit.stop();
  }
}
