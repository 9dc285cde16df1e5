// `npm start`: runs the consumer and the producer as two Node processes on 127.0.0.1, and the
// browser view beside them, waits until they answer, prints where they are and what to try
// first. Ctrl-C stops them all cleanly.
// QUEUE_BACKEND=rabbitmq (and AMQP_URL, RABBITMQ_MANAGEMENT_URL) passes through to both: the queue
// then lives in RabbitMQ (`npm run rabbitmq` starts one), and a restarted service reconnects.
//
// Like the Docker stack, the producer's heap is capped at MEMORY_LIMIT_MB (default 256), so
// Exercise 3's unbounded queue ends in an out-of-memory crash here too; a crashed service is
// restarted, as `restart: unless-stopped` does in docker-compose.yml.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const host = process.env.HOST ?? '127.0.0.1';
const producerPort = process.env.PRODUCER_PORT ?? '8000';
const consumerPort = process.env.CONSUMER_PORT ?? '8001';
const memoryLimitMb = process.env.MEMORY_LIMIT_MB ?? '256';
const consumerUrl = `http://${host}:${consumerPort}`;
const producerUrl = `http://${host}:${producerPort}`;
const dist = path.resolve(__dirname, '..');
const backend = process.env.QUEUE_BACKEND === 'rabbitmq'
  ? `RabbitMQ, queue lab.items at ${redact(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672')}`
  : 'in memory (the producer\'s heap; QUEUE_BACKEND=rabbitmq for a broker)';

interface Service {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  child?: ChildProcess;
}

const services: Service[] = [
  { name: 'consumer', args: [path.join(dist, 'consumer/src/main.js')], env: { PORT: consumerPort } },
  {
    name: 'producer',
    args: [`--max-old-space-size=${memoryLimitMb}`, path.join(dist, 'producer/src/main.js')],
    env: { PORT: producerPort, CONSUMER_URL: process.env.CONSUMER_URL ?? consumerUrl, MEMORY_LIMIT_MB: memoryLimitMb },
  },
];

// The browser view (`npm run ui`), pointed at these two. Its request log stays out of this
// terminal unless UI_LOG_LEVEL asks for it.
const uiPort = process.env.UI_PORT ?? '8080';
const uiUrl = `http://${host}:${uiPort}`;
services.push({
  name: 'ui',
  args: [path.join(dist, 'ui/src/main.js')],
  env: { UI_PORT: uiPort, PRODUCER_URL: producerUrl, CONSUMER_URL: consumerUrl, LOG_LEVEL: process.env.UI_LOG_LEVEL ?? 'warn' },
});

let stopping = false;

function run(service: Service): void {
  const child = spawn(process.execPath, service.args, {
    env: { ...process.env, HOST: host, ...service.env },
    stdio: 'inherit',
  });
  service.child = child;
  child.on('exit', (code, signal) => {
    service.child = undefined;
    if (stopping) return;
    console.error(`\n*** ${service.name} exited (${signal ?? `code ${code}`}); restarting it in 1 s ***\n`);
    setTimeout(() => !stopping && run(service), 1000);
  });
}

async function waitHealthy(url: string, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/health`)).ok) return true;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  return false;
}

// npm run lab / npm run watch look at :8000 and :8001 unless told otherwise.
const urlHint =
  producerUrl === 'http://127.0.0.1:8000' && consumerUrl === 'http://127.0.0.1:8001'
    ? ''
    : `\n  (first: export PRODUCER_URL=${producerUrl} CONSUMER_URL=${consumerUrl})`;

async function main(): Promise<void> {
  for (const service of services) run(service);
  const healthy = (await waitHealthy(consumerUrl)) && (await waitHealthy(producerUrl)) && (await waitHealthy(uiUrl));
  if (!healthy) {
    console.error('The services did not become healthy; see the log lines above.');
    await stop();
    process.exit(1);
  }
  console.log(`
  Backpressure Lab is running
    producer  ${producerUrl}   (status: ${producerUrl}/status)
    consumer  ${consumerUrl}   (status: ${consumerUrl}/status)
    queue     ${backend}
    live view ${uiUrl}   (open it in a browser)

  Try:  curl -s ${producerUrl}/status | jq '.queue'
  The workshop: labs/README.md — \`npm run watch\` for a live view, \`npm run lab -- list\` for the exercises${urlHint}
  Ctrl-C stops them all.
`);
}

/** The URL without its password, for the banner. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url; // the services will say what is wrong with it
  }
}

async function stop(): Promise<void> {
  stopping = true;
  const exits = services.map(
    (s) => new Promise<void>((resolve) => (s.child ? s.child.once('exit', () => resolve()) : resolve())),
  );
  for (const s of services) s.child?.kill('SIGTERM');
  await Promise.race([Promise.all(exits), sleep(10_000)]);
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
