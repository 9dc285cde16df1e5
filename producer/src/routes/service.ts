// What every service answers: its endpoint list and liveness (the shared healthRoutes), readiness,
// /status and /metrics. Readiness is the queue backend's (can items reach a consumer now?).
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { metricsHandler } from '../../../common/src/metrics';
import { healthRoutes } from '../../../common/src/routes/health';
import type { Producer } from '../producer';
import { producerStatus } from '../status';

/** The producer's routes besides /health and /health/live, listed under `/`. */
const ENDPOINTS = [
  'GET /health/ready',
  'GET /status',
  'GET /metrics',
  'POST /produce',
  'POST /jobs',
  'GET /jobs/:id',
  'GET /dead-letters',
  'GET /recent-items',
  'POST /admin/config',
  'POST /admin/clear-queue',
  'POST /admin/dead-letters/replay',
];

export function serviceRoutes(producer: Producer, registry: Registry): Router {
  const routes = Router();
  routes.use(healthRoutes('producer', ENDPOINTS));
  routes.get('/health/ready', async (_req, res) => {
    const { ready, ...why } = await producer.backend.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...why });
  });
  routes.get('/status', (_req, res) => res.json(producerStatus(producer)));
  routes.get('/metrics', metricsHandler(registry));
  return routes;
}
