// `npm start`: runs the consumer and the producer as Node processes on 127.0.0.1, and the browser
// view beside them (UI_PORT, 8080), waits until they answer, prints where they are and what to try
// first. Ctrl-C stops them all cleanly.
// QUEUE_BACKEND=rabbitmq (and AMQP_URL, RABBITMQ_MANAGEMENT_URL) passes through to all: the queue
// then lives in RabbitMQ (`npm run rabbitmq` starts one), and a restarted service reconnects.
//
// Like the Docker stack, the producer's heap is capped at MEMORY_LIMIT_MB (default 256), so
// Exercise 3's unbounded queue ends in an out-of-memory crash here too; a crashed service is
// restarted (supervisor.ts), as `restart: unless-stopped` does in docker-compose.yml.
//
// On the broker (QUEUE_BACKEND=rabbitmq), PRODUCERS=N CONSUMERS=M runs several of each: producers
// on 8000, 8002, 8004, …, consumers on 8001, 8003, 8005, … (from PRODUCER_PORT and CONSUMER_PORT,
// stepping by 2), named producer-1, …, consumer-1, … (their `instance` label). They compete for
// one queue and share its one limit. AUTOSCALE=1 lets autoscaler.ts set the number of consumers.
// With several instances or the autoscaler, the supervisor answers on SUPERVISOR_PORT (8090):
// GET /status (every instance, restarts, the autoscaler's state), GET /metrics, and GET
// /sd/producer, /sd/consumer for Prometheus (`SUPERVISOR_URL=http://127.0.0.1:8090 npm run prometheus`).
// In-memory, each producer would hold its own queue, so more than one of each is refused.
import { startTelemetry, stopTelemetry } from '../common/src/telemetry';

// TRACE_SAMPLE_RATIO is for the items' traces: the autoscaler's few decisions are all kept.
startTelemetry('supervisor', { ...process.env, TRACE_SAMPLE_RATIO: '1' });

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { brokerEnv, readEnv, serviceEnv } from '../common/src/env';
import { createLogger } from '../common/src/logger';
import { createRegistry } from '../common/src/metrics';
import { Autoscaler } from './autoscaler';
import { type InstanceSpec, Supervisor } from './supervisor';

const count = (fallback: number) => z.coerce.number().int().min(1).max(16).default(fallback);
const flag = z
  .enum(['0', '1', 'true', 'false'])
  .default('0')
  .transform((v) => v === '1' || v === 'true');
const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

const env = readEnv(
  z.object({
    ...brokerEnv,
    HOST: z.string().min(1).default('127.0.0.1'),
    PRODUCER_PORT: port(8000),
    CONSUMER_PORT: port(8001),
    SUPERVISOR_PORT: port(8090),
    UI_PORT: port(8080),
    /** The browser view's request log stays out of this terminal unless asked for. */
    UI_LOG_LEVEL: z.string().default('warn'),
    MEMORY_LIMIT_MB: z.string().default('256'),
    LOG_LEVEL: serviceEnv.LOG_LEVEL,
    LOG_FORMAT: serviceEnv.LOG_FORMAT,
    PRODUCERS: count(1),
    CONSUMERS: count(1),
    AUTOSCALE: flag,
    MIN_CONSUMERS: count(1),
    MAX_CONSUMERS: count(4),
    TARGET_ITEMS_PER_CONSUMER: z.coerce.number().int().min(1).max(1_000_000).default(100),
    SCALE_COOLDOWN_S: z.coerce.number().min(0).max(3600).default(10),
  }),
);
const host = env.HOST;
const onBroker = env.QUEUE_BACKEND === 'rabbitmq';

function refuse(message: string): never {
  console.error(message);
  process.exit(1);
}
if (!onBroker && (env.PRODUCERS > 1 || env.CONSUMERS > 1 || env.AUTOSCALE)) {
  refuse(
    'PRODUCERS, CONSUMERS and AUTOSCALE need the broker: in memory each producer holds its own queue, so\n' +
      'two producers would be two labs, not one queue with competing consumers. Start RabbitMQ\n' +
      '(`npm run rabbitmq`) and run QUEUE_BACKEND=rabbitmq PRODUCERS=2 CONSUMERS=3 npm start.',
  );
}
if (env.AUTOSCALE && env.MIN_CONSUMERS > env.MAX_CONSUMERS)
  refuse(`MIN_CONSUMERS=${env.MIN_CONSUMERS} is greater than MAX_CONSUMERS=${env.MAX_CONSUMERS}`);

const logger = createLogger('supervisor', { LOG_LEVEL: env.LOG_LEVEL, LOG_FORMAT: env.LOG_FORMAT });
const registry = createRegistry('supervisor', 'supervisor-1');
const supervisor = new Supervisor(host, registry);
/** The first consumer takes CONSUMER_PORT; number n (1-based) takes 2 × (n − 1) more. */
const consumerPort = (n: number) => env.CONSUMER_PORT + 2 * (n - 1);
const producerPort = (n: number) => env.PRODUCER_PORT + 2 * (n - 1);
const consumerUrl = process.env.CONSUMER_URL ?? `http://${host}:${env.CONSUMER_PORT}`;

const producerSpec = (n: number): InstanceSpec => ({
  role: 'producer',
  name: `producer-${n}`,
  port: producerPort(n),
  nodeArgs: [`--max-old-space-size=${env.MEMORY_LIMIT_MB}`],
  env: { CONSUMER_URL: consumerUrl, MEMORY_LIMIT_MB: env.MEMORY_LIMIT_MB },
});

/** The browser view (`npm run ui`), pointed at the first producer and consumer. */
const uiSpec: InstanceSpec = {
  role: 'ui',
  name: 'ui',
  port: env.UI_PORT,
  env: {
    UI_PORT: String(env.UI_PORT),
    PRODUCER_URL: `http://${host}:${env.PRODUCER_PORT}`,
    CONSUMER_URL: consumerUrl,
    LOG_LEVEL: env.UI_LOG_LEVEL,
  },
};

/** The lowest consumer number not in use (a scaled-down one's port is used again). */
function nextConsumerSpec(): InstanceSpec {
  const used = new Set(supervisor.instances.filter((i) => i.role === 'consumer').map((i) => i.name));
  let n = 1;
  while (used.has(`consumer-${n}`)) n++;
  return { role: 'consumer', name: `consumer-${n}`, port: consumerPort(n), env: {} };
}

const consumers = {
  count: () => supervisor.of('consumer').length,
  async scaleTo(to: number): Promise<void> {
    const running = supervisor.of('consumer');
    // The newest go first, so the ports in use stay 8001, 8003, … without gaps.
    const surplus = running.slice(to).reverse();
    const adding = Array.from({ length: Math.max(0, to - running.length) }, () => supervisor.add(nextConsumerSpec()));
    await Promise.all([...adding, ...surplus.map((c) => supervisor.remove(c))]);
  },
};

const autoscaler = env.AUTOSCALE
  ? new Autoscaler(
      env.AMQP_URL,
      {
        minConsumers: env.MIN_CONSUMERS,
        maxConsumers: env.MAX_CONSUMERS,
        targetItemsPerConsumer: env.TARGET_ITEMS_PER_CONSUMER,
        cooldownSeconds: env.SCALE_COOLDOWN_S,
        intervalMs: 1000,
      },
      consumers,
      logger,
      registry,
    )
  : undefined;

/** GET /status and GET /metrics of the supervisor itself (only with several instances or the autoscaler). */
function serveStatus(): Promise<string> {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
      return;
    }
    const sd = /^\/sd\/(producer|consumer)$/.exec(req.url ?? '');
    if (sd) {
      // Prometheus HTTP service discovery (`SUPERVISOR_URL=… npm run prometheus`): one group per instance.
      const groups = supervisor
        .of(sd[1] as 'producer' | 'consumer')
        .map((i) => ({ targets: [new URL(i.url).host], labels: { instance: i.name } }));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(groups));
      return;
    }
    if (req.url !== '/status' && req.url !== '/health') {
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: 'not found: try GET /status or GET /metrics' }));
      return;
    }
    const body =
      req.url === '/health'
        ? { status: 'healthy', service: 'supervisor' }
        : { service: 'supervisor', instances: supervisor.describe(), autoscaler: autoscaler?.describe() ?? { enabled: false } };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.SUPERVISOR_PORT, host, () => {
      server.unref();
      resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
    });
  });
}

function banner(supervisorUrl: string | undefined): string {
  const first = supervisor.of('producer')[0].url;
  const lines = [...supervisor.of('producer'), ...supervisor.of('consumer')].map(
    (i) => `    ${i.name.padEnd(12)}${i.url}   (status: ${i.url}/status)`,
  );
  const defaults = first === 'http://127.0.0.1:8000' && consumerUrl === 'http://127.0.0.1:8001';
  const urlHint = defaults ? '' : `\n  (first: export PRODUCER_URL=${first} CONSUMER_URL=${consumerUrl})`;
  const backend = onBroker
    ? `RabbitMQ, queue lab.items at ${redact(env.AMQP_URL)}${supervisor.of('producer').length + supervisor.of('consumer').length > 2 ? ' — one queue, one limit, for every instance' : ''}`
    : "in memory (the producer's heap; QUEUE_BACKEND=rabbitmq for a broker)";
  const scaler = autoscaler
    ? `  Autoscaling consumers: ceil(depth ÷ ${env.TARGET_ITEMS_PER_CONSUMER}) within ${env.MIN_CONSUMERS}…${env.MAX_CONSUMERS}, down after ${env.SCALE_COOLDOWN_S} s\n`
    : '';
  const ui = supervisor.of('ui')[0];
  const view = ui ? `    ${'live view'.padEnd(12)}${ui.url}   (open it in a browser)\n` : '';
  const status = supervisorUrl
    ? `  Supervisor: ${supervisorUrl}/status (every instance, restarts${autoscaler ? ', the autoscaler' : ''})\n`
    : '';
  return `
  Backpressure Lab is running
${lines.join('\n')}
${view}    queue       ${backend}
${scaler}${status}
  Try:  curl -s ${first}/status | jq '.queue'
  The workshop: labs/README.md — \`npm run watch\` for a live view, \`npm run lab -- list\` for the exercises${urlHint}
  Ctrl-C stops every service.
`;
}

/** The URL without its password, for the banner. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function main(): Promise<void> {
  const initialConsumers = autoscaler ? Math.min(env.MAX_CONSUMERS, Math.max(env.MIN_CONSUMERS, env.CONSUMERS)) : env.CONSUMERS;
  const consumersUp = await Promise.all(Array.from({ length: initialConsumers }, () => supervisor.add(nextConsumerSpec())));
  const producersUp = await Promise.all(Array.from({ length: env.PRODUCERS }, (_, i) => supervisor.add(producerSpec(i + 1))));
  const uiUp = await supervisor.add(uiSpec);
  if (![...consumersUp, ...producersUp, uiUp].every(Boolean)) {
    console.error('The services did not become healthy; see the log lines above.');
    await stop();
    process.exit(1);
  }
  const several = env.PRODUCERS + initialConsumers > 2 || autoscaler !== undefined;
  const supervisorUrl = several ? await serveStatus() : undefined;
  autoscaler?.start();
  console.log(banner(supervisorUrl));
}

let stopping = false;
async function stop(): Promise<void> {
  stopping = true;
  await autoscaler?.close();
  await supervisor.stopAll();
  await stopTelemetry();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stop().then(() => process.exit(0));
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
