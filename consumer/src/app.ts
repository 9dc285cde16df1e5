// The consumer's HTTP API: the shared routes (common/src/routes/health.ts) and its own, one
// module per concern in routes/ (status, process, admin).
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createApp, errorHandler, notFound } from '../../common/src/http';
import type { Logger } from '../../common/src/logger';
import { healthRoutes } from '../../common/src/routes/health';
import type { BrokerConsumer } from './broker-consumer';
import type { Consumer } from './consumer';
import { adminRoutes } from './routes/admin';
import { processRoutes } from './routes/process';
import { statusRoutes } from './routes/status';

export function createConsumerApp(
  consumer: Consumer,
  registry: Registry,
  logger: Logger,
  adminToken?: string,
  broker?: BrokerConsumer,
): Express {
  const app = createApp(logger, adminToken);
  app.use(
    healthRoutes('consumer', [
      'GET /health/ready',
      'GET /status',
      'GET /metrics',
      'GET /recent-items',
      'POST /process',
      'POST /process-batch',
      'POST /admin/config',
      'POST /admin/slow-down',
      'POST /admin/speed-up',
      'POST /admin/pause',
      'POST /admin/resume',
    ]),
  );
  app.use(statusRoutes(consumer, registry, broker));
  app.use(processRoutes(consumer));
  app.use(adminRoutes(consumer));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
