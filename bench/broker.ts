// `npm run bench:broker`: the lab on RabbitMQ (QUEUE_BACKEND=rabbitmq) beside what amqplib and
// the broker allow on this machine, measured in the same minute. It starts its own RabbitMQ
// (scripts/rabbitmq-server.ts) and services on free 127.0.0.1 ports, and prints:
//   - the floor: bare amqplib publishes with confirms to a classic queue, persistent or not, one
//     at a time or 100 outstanding (no lab code at all);
//   - the lab: items/s published and processed at the defaults, and with processing_time_ms 0 at
//     the default prefetch (max_concurrency 2) and at 100;
//   - the lab's publish → confirm time (p50, p95), from its own histogram.
// Each figure is one window of BENCH_BROKER_SECONDS (default 10 s).
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { histogramDelta, histogramOf, histogramQuantile, parseExposition } from '../labs/src/prometheus';
import { type RabbitMQ, startRabbitMQ } from '../scripts/rabbitmq-server';
import { brokerEnv } from '../test/helpers/rabbitmq';
import { killAll, type Service, startService } from '../test/helpers/services';

const SECONDS = Number(process.env.BENCH_BROKER_SECONDS ?? 10);
const FLOOR_MESSAGES = 3000;

async function floor(rabbit: RabbitMQ, persistent: boolean, outstanding: number): Promise<number> {
  const connection = await amqp.connect(rabbit.amqpUrl, { noDelay: true });
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue('bench.floor', { durable: true, arguments: { 'x-queue-type': 'classic' } });
    const body = Buffer.alloc(1100, 120);
    const publish = () =>
      new Promise<void>((resolve, reject) =>
        channel.publish('', 'bench.floor', body, { persistent }, (err: unknown) => (err ? reject(err) : resolve())),
      );
    const started = performance.now();
    for (let sent = 0; sent < FLOOR_MESSAGES; sent += outstanding) {
      await Promise.all(Array.from({ length: Math.min(outstanding, FLOOR_MESSAGES - sent) }, publish));
    }
    const perSecond = FLOOR_MESSAGES / ((performance.now() - started) / 1000);
    await channel.deleteQueue('bench.floor');
    return perSecond;
  } finally {
    await connection.close();
  }
}

interface LabFigure {
  published: number;
  processed: number;
  confirmP50Ms: number;
  confirmP95Ms: number;
}

/** The lab on the broker, producing `rate` items/s into a consumer with these settings, over one window. */
async function lab(rabbit: RabbitMQ, rate: number, consumerEnv: Record<string, string>): Promise<LabFigure> {
  const env = brokerEnv(rabbit);
  const consumer = await startService('consumer', { ...env, ...consumerEnv });
  const producer = await startService('producer', { ...env, PRODUCTION_RATE: '0' });
  try {
    await waitReady(producer);
    await producer.post('/admin/config', { production_rate: rate });
    await sleep(2000); // warm-up
    const [p0, c0, h0] = [await published(producer), await processed(consumer), await confirmHistogram(producer)];
    await sleep(SECONDS * 1000);
    const [p1, c1, h1] = [await published(producer), await processed(consumer), await confirmHistogram(producer)];
    const window = histogramDelta(h0, h1);
    return {
      published: (p1 - p0) / SECONDS,
      processed: (c1 - c0) / SECONDS,
      confirmP50Ms: histogramQuantile(0.5, window) * 1000,
      confirmP95Ms: histogramQuantile(0.95, window) * 1000,
    };
  } finally {
    await Promise.all([producer.stop(), consumer.stop()]);
    await purge(rabbit);
  }
}

const published = async (producer: Service): Promise<number> => (await producer.get('/status')).accounting.published;
const processed = async (consumer: Service): Promise<number> => (await consumer.get('/status')).totals.processed;

async function confirmHistogram(producer: Service) {
  const samples = parseExposition(await (await fetch(`${producer.url}/metrics`)).text());
  const histogram = histogramOf(samples, 'backpressure_broker_confirm_duration_seconds');
  if (!histogram) throw new Error('no backpressure_broker_confirm_duration_seconds');
  return histogram;
}

async function waitReady(service: Service): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${service.url}/health/ready`)).ok) return;
    await sleep(100);
  }
  throw new Error(`${service.url} did not become ready`);
}

async function purge(rabbit: RabbitMQ): Promise<void> {
  const connection = await amqp.connect(rabbit.amqpUrl);
  const channel = await connection.createChannel();
  await channel.purgeQueue('lab.items').catch(() => {});
  await connection.close();
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '—');

async function main(): Promise<void> {
  process.stderr.write('bench:broker: starting RabbitMQ ...\n');
  const rabbit = await startRabbitMQ({ amqpPort: 0, managementPort: 0 });
  try {
    const rows: string[] = [];
    for (const persistent of [true, false]) {
      for (const outstanding of [1, 100]) {
        const perSecond = await floor(rabbit, persistent, outstanding);
        rows.push(
          `| floor: amqplib, ${persistent ? 'persistent' : 'transient'}, ${outstanding} outstanding | ${fmt(perSecond)} published | — | — |`,
        );
      }
    }
    const cases: [string, number, Record<string, string>][] = [
      ['lab at the defaults (10 items/s, 100 ms, max_concurrency 2)', 10, {}],
      ['lab, processing_time_ms 0, max_concurrency 2', 100_000, { PROCESSING_TIME_MS: '0' }],
      ['lab, processing_time_ms 0, max_concurrency 100', 100_000, { PROCESSING_TIME_MS: '0', MAX_CONCURRENCY: '100' }],
    ];
    for (const [name, rate, consumerEnv] of cases) {
      process.stderr.write(`bench:broker: ${name} ...\n`);
      const f = await lab(rabbit, rate, consumerEnv);
      rows.push(
        `| ${name} | ${fmt(f.published)} published | ${fmt(f.processed)} processed | ${f.confirmP50Ms.toFixed(2)} / ${f.confirmP95Ms.toFixed(2)} ms |`,
      );
    }
    console.log(['| setup | items/s | items/s | confirm p50 / p95 |', '|---|---|---|---|', ...rows].join('\n'));
  } finally {
    await rabbit.stop();
  }
}

main().catch((err) => {
  console.error(err);
  killAll(); // services a failed step left running
  process.exit(1);
});
