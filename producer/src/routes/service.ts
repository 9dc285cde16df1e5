// What every service answers: its endpoint list, liveness, readiness, /status and /metrics.
// Readiness is the queue backend's (can items reach a consumer now?).
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { metricsHandler } from '../../../common/src/metrics';
import type { Producer } from '../producer';
import { producerStatus } from '../status';

const ENDPOINTS = [
  'GET /health',
  'GET /health/live',
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
];

export function serviceRoutes(producer: Producer, registry: Registry): Router {
  const routes = Router();
  routes.get('/', (_req, res) => res.json({ service: 'producer', endpoints: ENDPOINTS }));
  routes.get('/health', (_req, res) => res.json({ status: 'healthy', service: 'producer' }));
  routes.get('/health/live', (_req, res) => res.json({ status: 'live' }));
  routes.get('/health/ready', async (_req, res) => {
    const { ready, ...why } = await producer.backend.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...why });
  });
  routes.get('/status', (_req, res) => res.json(producerStatus(producer)));
  routes.get('/metrics', metricsHandler(registry));
  return routes;
}
