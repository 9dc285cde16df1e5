// POST /admin/config and POST /admin/clear-queue (behind ADMIN_TOKEN when it is set: common/src/http.ts).
import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../../common/src/http';
import type { Producer } from '../producer';
import { producerStatus } from '../status';

export function adminRoutes(producer: Producer): Router {
  const routes = Router();
  routes.post('/admin/config', async (req, res) => {
    const changed = await producer.configure(req.body ?? {}); // in force when the answer comes
    req.log.info({ changed }, 'producer settings changed');
    res.json({ status: 'ok', changed, config: producerStatus(producer).config });
  });
  routes.post('/admin/clear-queue', async (req, res) => {
    parseInput(z.strictObject({}), req.body);
    const removed = await producer.clearQueue();
    req.log.info({ items_removed: removed }, 'queue cleared');
    res.json({ status: 'ok', items_removed: removed, queue_size: producer.queueSize() });
  });
  return routes;
}
