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
// on 8000, 8002, 8004, …, consumers on 8001, 8003, 8005, … (start/instances.ts), named producer-1,
// …, consumer-1, … (their `instance` label). They compete for one queue and share its one limit.
// AUTOSCALE=1 lets autoscaler.ts set the number of consumers.
// The supervisor answers on SUPERVISOR_PORT (8090) (start/supervisor-server.ts), also with one
// producer and one consumer: its fleet routes set every instance of a role (fleet-settings.ts).
// In-memory, each producer would hold its own queue, so more than one of each is refused
// (start/settings.ts). This file wires the parts of start/ together; the banner is start/banner.ts.
import { startTelemetry, stopTelemetry } from '../common/src/telemetry';

// TRACE_SAMPLE_RATIO is for the items' traces: the autoscaler's few decisions are all kept.
startTelemetry('supervisor', { ...process.env, TRACE_SAMPLE_RATIO: '1' });

import { createLogger } from '../common/src/logger';
import { createRegistry } from '../common/src/metrics';
import { Autoscaler } from './autoscaler';
import { FleetSettings } from './fleet-settings';
import { banner } from './start/banner';
import { InstanceSpecs } from './start/instances';
import { readStartSettings } from './start/settings';
import { serveSupervisor } from './start/supervisor-server';
import { Supervisor } from './supervisor';

const env = readStartSettings();
const logger = createLogger('supervisor', { LOG_LEVEL: env.LOG_LEVEL, LOG_FORMAT: env.LOG_FORMAT });
const registry = createRegistry('supervisor', 'supervisor-1');
const supervisor = new Supervisor(env.HOST, registry);
const specs = new InstanceSpecs(env, supervisor);
const fleet = new FleetSettings((role) => supervisor.of(role), process.env.ADMIN_TOKEN);
supervisor.beforeUp = (instance) => fleet.prepare(instance);

const consumers = {
  count: () => supervisor.of('consumer').length,
  async scaleTo(to: number): Promise<void> {
    const running = supervisor.of('consumer');
    // The newest go first, so the ports in use stay 8001, 8003, … without gaps.
    const surplus = running.slice(to).reverse();
    const adding = Array.from({ length: Math.max(0, to - running.length) }, () => supervisor.add(specs.nextConsumer()));
    await Promise.all([...adding, ...surplus.map((c) => supervisor.remove(c))]);
  },
};

const autoscaler = env.AUTOSCALE
  ? new Autoscaler(
      env.AMQP_URL,
      env.QUEUE_TYPE,
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

async function main(): Promise<void> {
  const initialConsumers = autoscaler ? Math.min(env.MAX_CONSUMERS, Math.max(env.MIN_CONSUMERS, env.CONSUMERS)) : env.CONSUMERS;
  const consumersUp = await Promise.all(Array.from({ length: initialConsumers }, () => supervisor.add(specs.nextConsumer())));
  const producersUp = await Promise.all(Array.from({ length: env.PRODUCERS }, (_, i) => supervisor.add(specs.producer(i + 1))));
  const supervisorUrl = await serveSupervisor({ supervisor, registry, autoscaler, fleet }, env.HOST, env.SUPERVISOR_PORT);
  const uiUp = await supervisor.add(specs.ui(supervisorUrl));
  if (![...consumersUp, ...producersUp, uiUp].every(Boolean)) {
    console.error('The services did not become healthy; see the log lines above.');
    await stop();
    process.exit(1);
  }
  autoscaler?.start();
  console.log(banner({ env, supervisor, consumerUrl: specs.consumerUrl, supervisorUrl, autoscaling: autoscaler !== undefined }));
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
