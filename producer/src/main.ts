// Producer entry point: read and validate the environment, assemble, listen, stop gracefully.
// Tracing first: the OpenTelemetry SDK is set up before express and http are loaded (this
// relies on the CommonJS output running these lines in order; see common/src/telemetry.ts).
import { startTelemetry, stopTelemetry } from '../../common/src/telemetry';

startTelemetry('producer');

import { instanceName } from '../../common/src/env';
import { createLogger } from '../../common/src/logger';
import { createRegistry } from '../../common/src/metrics';
import { closeServer, exitOnProcessFault, listen, onShutdownSignal } from '../../common/src/server';
import { createProducerApp } from './app';
import { MemoryBackend } from './backend/memory-backend';
import { BrokerBackend } from './broker/broker-backend';
import { loadProducerConfig } from './config';
import { detectMemoryLimit } from './memory-guard';
import { Producer } from './producer';

/** How long in-flight sends may take to finish at shutdown. */
const SHUTDOWN_DEADLINE_MS = 5000;

async function main(): Promise<void> {
  const { env, settings } = loadProducerConfig();
  const instance = instanceName('producer', env);
  const logger = createLogger(env.OTEL_SERVICE_NAME ?? 'producer', env);
  exitOnProcessFault(logger);
  const registry = createRegistry('producer', instance);
  const producer = new Producer({
    settings,
    consumerUrl: env.CONSUMER_URL,
    memoryLimit: detectMemoryLimit(env.MEMORY_LIMIT_MB),
    registry,
    logger,
    // The one place the queue backend is chosen.
    backend:
      env.QUEUE_BACKEND === 'rabbitmq'
        ? (parts) =>
            new BrokerBackend({ ...parts, amqpUrl: env.AMQP_URL, managementUrl: env.RABBITMQ_MANAGEMENT_URL, queueType: env.QUEUE_TYPE })
        : (parts) => new MemoryBackend({ ...parts, consumerUrl: env.CONSUMER_URL }),
  });
  const app = createProducerApp(producer, registry, logger, env.ADMIN_TOKEN);
  const { server } = await listen(app, env.HOST, env.PORT, logger);
  producer.start();
  logger.info({ settings, queue_backend: env.QUEUE_BACKEND, consumer_url: env.CONSUMER_URL }, 'producer started');

  // Stop making and sending items (in-flight sends finish), then close the server, then count:
  // nothing can change the numbers after that, so the logged count is final.
  onShutdownSignal(logger, async () => {
    await producer.shutdown(SHUTDOWN_DEADLINE_MS);
    await Promise.all([closeServer(server), stopTelemetry()]);
    const accounting = producer.accounting();
    // In the broker, queued items outlive the producer: none is discarded.
    const discarded = 'queued' in accounting ? accounting.queued : 0;
    logger.info({ discarded_queued_items: discarded, accounting }, 'producer stopped');
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
