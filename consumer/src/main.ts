// Consumer entry point: read and validate the environment, assemble, listen, stop gracefully.
// Tracing first: the OpenTelemetry SDK is set up before express and http are loaded (this
// relies on the CommonJS output running these lines in order; see common/src/telemetry.ts).
import { startTelemetry, stopTelemetry } from '../../common/src/telemetry';
startTelemetry('consumer');
import { createLogger } from '../../common/src/logger';
import { createRegistry } from '../../common/src/metrics';
import { closeServer, exitOnProcessFault, listen, onShutdownSignal } from '../../common/src/server';
import { createConsumerApp } from './app';
import { loadConsumerConfig } from './config';
import { Consumer } from './consumer';

async function main(): Promise<void> {
  const { env, settings } = loadConsumerConfig();
  const logger = createLogger(env.OTEL_SERVICE_NAME ?? 'consumer', env);
  exitOnProcessFault(logger);
  const registry = createRegistry('consumer');
  const consumer = new Consumer(settings, registry);
  const app = createConsumerApp(consumer, registry, logger, env.ADMIN_TOKEN);
  const { server } = await listen(app, env.HOST, env.PORT, logger);
  logger.info({ settings }, 'consumer started');

  // Requests being processed finish (closeServer waits for them); new connections are refused.
  onShutdownSignal(logger, async () => {
    await closeServer(server);
    await stopTelemetry();
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
