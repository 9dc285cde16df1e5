// The producer's HTTP API: the common edge (logging, ADMIN_TOKEN, JSON bodies, errors) around
// one route module per concern (routes/). Handlers validate input at the edge, then call the Producer.
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createApp, errorHandler, notFound } from '../../common/src/http';
import type { Logger } from '../../common/src/logger';
import type { Producer } from './producer';
import { adminRoutes } from './routes/admin';
import { deadLetterRoutes } from './routes/dead-letters';
import { itemRoutes } from './routes/items';
import { jobRoutes } from './routes/jobs';
import { produceRoutes } from './routes/produce';
import { serviceRoutes } from './routes/service';

export function createProducerApp(producer: Producer, registry: Registry, logger: Logger, adminToken?: string): Express {
  const app = createApp(logger, adminToken);
  app.use(serviceRoutes(producer, registry));
  app.use(adminRoutes(producer));
  app.use(produceRoutes(producer));
  app.use(jobRoutes(producer));
  app.use(itemRoutes(producer));
  app.use(deadLetterRoutes(producer));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
