// Consumer entry point: read and validate the environment, assemble, listen, stop gracefully.
// Tracing first: the OpenTelemetry SDK is set up before express and http are loaded (this
// relies on the CommonJS output running these lines in order; see common/src/telemetry.ts).
import { startTelemetry, stopTelemetry } from '../../common/src/telemetry';

startTelemetry('consumer');

import { instanceName } from '../../common/src/env';
import { createLogger } from '../../common/src/logger';
import { createRegistry } from '../../common/src/metrics';
import { closeServer, exitOnProcessFault, listen, onShutdownSignal } from '../../common/src/server';
import { createConsumerApp } from './app';
import { BrokerConsumer } from './broker-consumer';
import { loadConsumerConfig } from './config';
import { Consumer } from './consumer';
import { PostgresDownstream } from './downstream/postgres-downstream';

/** How long items being processed from the broker may take to finish at shutdown. */
const SHUTDOWN_DEADLINE_MS = 5000;

async function main(): Promise<void> {
  const { env, settings } = loadConsumerConfig();
  const instance = instanceName('consumer', env);
  const logger = createLogger(env.OTEL_SERVICE_NAME ?? 'consumer', env);
  exitOnProcessFault(logger);
  const registry = createRegistry('consumer', instance);
  const downstream = env.DOWNSTREAM === 'postgres' ? new PostgresDownstream(env.DATABASE_URL, settings, registry, logger) : undefined;
  const consumer = new Consumer(settings, registry, instance, downstream);
  const broker =
    env.QUEUE_BACKEND === 'rabbitmq' ? new BrokerConsumer(consumer, env.AMQP_URL, env.QUEUE_TYPE, logger, registry) : undefined;
  const app = createConsumerApp(consumer, registry, logger, env.ADMIN_TOKEN, broker);
  const { server } = await listen(app, env.HOST, env.PORT, logger);
  await downstream?.start();
  broker?.start();
  logger.info({ settings, queue_backend: env.QUEUE_BACKEND, downstream: env.DOWNSTREAM }, 'consumer started');

  // Requests being processed finish (closeServer waits for them); new connections are refused.
  // From the broker it takes no more; what it holds unprocessed goes back to the queue.
  onShutdownSignal(logger, async () => {
    await Promise.all([closeServer(server), broker?.close(SHUTDOWN_DEADLINE_MS)]);
    await downstream?.close();
    await stopTelemetry();
    // The final count: what a consumer that is scaled down or restarted had processed.
    logger.info({ totals: { processed: consumer.processed, failed: consumer.failed } }, 'consumer stopped');
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
