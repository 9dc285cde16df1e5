// What a learner changes at run time: POST /admin/config, /admin/slow-down, /admin/speed-up,
// /admin/pause and /admin/resume (behind the admin token when one is set: common/src/http.ts).
import { Router as createRouter, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../../common/src/http';
import type { Consumer } from '../consumer';
import { effectiveMaxThroughput } from './status';

const factorBody = z.strictObject({ factor: z.number().gt(0).max(1000).default(2) });

export function adminRoutes(consumer: Consumer): Router {
  const router = createRouter();
  router.post('/admin/config', (req, res) => {
    const changed = consumer.configure(req.body ?? {});
    req.log.info({ changed }, 'consumer settings changed');
    res.json({
      status: 'ok',
      changed,
      config: consumer.settings,
      effective_max_throughput_per_s: effectiveMaxThroughput(consumer.settings),
    });
  });

  const scaleRoute = (slower: boolean) => (req: Request, res: Response) => {
    const { factor } = parseInput(factorBody, req.body);
    const changed = consumer.scale(slower ? factor : 1 / factor);
    req.log.info({ factor, changed }, slower ? 'consumer slowed down' : 'consumer sped up');
    res.json({
      status: 'ok',
      factor,
      processing_time_ms: consumer.settings.processing_time_ms,
      effective_max_throughput_per_s: effectiveMaxThroughput(consumer.settings),
      config: consumer.settings,
    });
  };
  router.post('/admin/slow-down', scaleRoute(true));
  router.post('/admin/speed-up', scaleRoute(false));

  const pauseRoute = (paused: boolean) => (req: Request, res: Response) => {
    parseInput(z.strictObject({}), req.body);
    consumer.configure({ paused });
    req.log.info({ paused }, paused ? 'consumer paused' : 'consumer resumed');
    res.json({ status: 'ok', paused });
  };
  router.post('/admin/pause', pauseRoute(true));
  router.post('/admin/resume', pauseRoute(false));
  return router;
}
