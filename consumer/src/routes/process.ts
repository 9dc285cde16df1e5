// The work: POST /process (one item) and POST /process-batch (many in one request).
import { Router as createRouter, type Router } from 'express';
import { z } from 'zod';
import { abortWhenClientGone, parseInput } from '../../../common/src/http';
import { meanProcessingMs } from '../config';
import type { Consumer } from '../consumer';
import { traceProcessing } from '../tracing';

const processBody = z.object({
  id: z.string().min(1).max(200),
  created_at: z.number().int().min(0).max(8.64e15),
  priority: z.enum(['high', 'normal']).optional(),
  attempt: z.number().int().min(1).max(1000).optional(),
  /** Epoch ms after which the item is no use: past it, it is dropped unprocessed (expired). */
  deadline_at: z.number().int().min(0).max(8.64e15).optional(),
  payload: z.string().optional(),
});

/** At most this many items per /process-batch (the 64 KB body limit usually stops a batch first). */
const MAX_BATCH_ITEMS = 1000;
const batchBody = z.strictObject({ items: z.array(processBody).min(1).max(MAX_BATCH_ITEMS) });

/** Whole seconds until a slot is likely free: one mean processing time, at least 1. */
const retryAfterSeconds = (c: Consumer) => String(Math.max(1, Math.ceil(meanProcessingMs(c.settings) / 1000)));

export function processRoutes(consumer: Consumer): Router {
  const router = createRouter();
  router.post('/process', async (req, res) => {
    const item = parseInput(processBody, req.body);
    const started = performance.now();
    const result = await traceProcessing(req.headers, item, () =>
      consumer.process(item.created_at, abortWhenClientGone(res), item.deadline_at),
    );
    const processing_ms = Math.round(performance.now() - started);
    if (result === 'processed') {
      res.json({ status: 'processed', id: item.id, processing_ms });
    } else if (result === 'expired') {
      res.json({ status: 'expired', id: item.id }); // dropped and counted here; the producer counts it too
    } else if (result === 'busy') {
      res.set('Retry-After', retryAfterSeconds(consumer)).status(429).json({
        error: 'Consumer is at its concurrency limit',
        in_flight: consumer.limiter.inUse,
        max_concurrency: consumer.settings.max_concurrency,
      });
    } else if (result === 'failed') {
      res.status(500).json({ error: 'injected failure', id: item.id });
    } else {
      res.status(499).end(); // client closed the request while we held it (paused)
    }
  });

  // Many items in one request, each processed as if it came alone (its own concurrency slot,
  // processing time and injected failure); the answer says what became of each, in order.
  router.post('/process-batch', async (req, res) => {
    const { items } = parseInput(batchBody, req.body);
    const gone = abortWhenClientGone(res);
    const results = await Promise.all(
      items.map(async (item) => ({ id: item.id, status: await consumer.process(item.created_at, gone, item.deadline_at) })),
    );
    if (gone.aborted) {
      res.status(499).end();
      return;
    }
    if (results.some((r) => r.status === 'busy')) res.set('Retry-After', retryAfterSeconds(consumer));
    res.json({ results });
  });
  return router;
}
