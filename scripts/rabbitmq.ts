// `npm run rabbitmq`: Debian's RabbitMQ (apt-get install rabbitmq-server) for the lab's broker
// backend (QUEUE_BACKEND=rabbitmq npm start). A plain process in a temporary directory, on
// 127.0.0.1:5672 (AMQP, RABBITMQ_PORT) and 127.0.0.1:15672 (management UI and API,
// RABBITMQ_MANAGEMENT_PORT; user guest, password guest). Ctrl-C stops it, its epmd with it, and
// removes the directory: the broker keeps nothing from one run to the next.
import { INSTALL_HINT, rabbitmqInstalled, startRabbitMQ } from './rabbitmq-server';

const amqpPort = Number(process.env.RABBITMQ_PORT ?? 5672);
const managementPort = Number(process.env.RABBITMQ_MANAGEMENT_PORT ?? 15672);

async function main(): Promise<void> {
  if (!rabbitmqInstalled()) {
    console.error(INSTALL_HINT);
    process.exit(1);
  }
  for (const [name, port] of [
    ['RABBITMQ_PORT', amqpPort],
    ['RABBITMQ_MANAGEMENT_PORT', managementPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      console.error(`Invalid environment variable ${name}=${JSON.stringify(process.env[name])}: expected a port number`);
      process.exit(1);
    }
  }
  console.log(`Starting RabbitMQ on 127.0.0.1:${amqpPort} (AMQP) and 127.0.0.1:${managementPort} (management); about 10 s ...`);
  const rabbit = await startRabbitMQ({ amqpPort, managementPort });
  const hint =
    amqpPort === 5672 && managementPort === 15672
      ? ''
      : `\n  (first: export AMQP_URL=${rabbit.amqpUrl} RABBITMQ_MANAGEMENT_URL=${rabbit.managementUrl})`;
  console.log(`
  RabbitMQ is ready
    AMQP        ${rabbit.amqpUrl}
    management  http://127.0.0.1:${managementPort}   (user guest, password guest)

  Now:  QUEUE_BACKEND=rabbitmq npm start${hint}
  Ctrl-C stops it.
`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log('Stopping RabbitMQ ...');
      rabbit.stop().then(() => process.exit(0));
    });
  }
  await rabbit.exited;
  if (!stopping) {
    console.error(`RabbitMQ exited by itself:\n${rabbit.output.join('').slice(-4000)}`);
    await rabbit.stop();
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
