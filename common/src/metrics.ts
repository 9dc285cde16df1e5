// One Prometheus registry per process, with the `service` label on every series and
// prom-client's default process/Node.js metrics.
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestHandler } from 'express';

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function metricsHandler(registry: Registry): RequestHandler {
  return async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  };
}
