// The routes every service answers the same way: `/` (its name and what it serves), `/health`
// (the containers' HEALTHCHECK asks it) and `/health/live` (alive, whatever its dependencies say).
// Readiness (/health/ready) differs per service and stays with each.
import { Router as createRouter, type Router } from 'express';

/** The endpoints of this router, listed first under `/`. */
const OWN_ENDPOINTS = ['GET /health', 'GET /health/live'];

/** `/`, `/health` and `/health/live` for `service`; `endpoints` are its other routes, listed under `/`. */
export function healthRoutes(service: string, endpoints: string[]): Router {
  const router = createRouter();
  router.get('/', (_req, res) => {
    res.json({ service, endpoints: [...OWN_ENDPOINTS, ...endpoints] });
  });
  router.get('/health', (_req, res) => res.json({ status: 'healthy', service }));
  router.get('/health/live', (_req, res) => res.json({ status: 'live' }));
  return router;
}
