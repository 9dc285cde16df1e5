// The work: POST /process (one item) and POST /process-batch (many in one request).
import { Router as createRouter, type Router } from 'express';
import { z } from 'zod';
import { abortWhenClientGone, parseInput } from '../../../common/src/http';
import { meanProcessingMs } from '../config';
import type { Consumer, ItemToProcess, ProcessResult } from '../consumer';
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

const payloadBytes = (payload: string | undefined) => (payload ? Buffer.byteLength(payload) : 0);

/** What the consumer needs of a posted item: what it writes downstream, and its deadline. */
const toProcess = (item: z.infer<typeof processBody>): ItemToProcess => ({
  id: item.id,
  created_at: item.created_at,
  payload_bytes: payloadBytes(item.payload),
  deadline_at: item.deadline_at,
});

/** In a batch, a full database pool is "busy" like a full consumer: the producer retries it without using up an attempt. */
const batchStatus = (result: ProcessResult) => (result === 'db_pool_full' ? 'busy' : result);

/** Whole seconds until a slot is likely free: one mean processing time, at least 1. */
const retryAfterSeconds = (c: Consumer) => String(Math.max(1, Math.ceil(meanProcessingMs(c.settings) / 1000)));

export function processRoutes(consumer: Consumer): Router {
  const router = createRouter();
  router.post('/process', async (req, res) => {
    const item = parseInput(processBody, req.body);
    const started = performance.now();
    const result = await traceProcessing(req.headers, item, () => consumer.process(toProcess(item), abortWhenClientGone(res)));
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
    } else if (result === 'db_pool_full') {
      const { pool } = consumer.downstream.describe() as { pool: object };
      res
        .set('Retry-After', retryAfterSeconds(consumer))
        .status(429)
        .json({ error: 'The database pool is full', reason: 'db_pool_full', pool });
    } else if (result === 'db_unavailable') {
      const { last_error } = consumer.downstream.describe() as { last_error?: object };
      res.set('Retry-After', '1').status(503).json({ error: 'The database did not store the item', reason: 'db_unavailable', last_error });
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
      items.map(async (item) => ({ id: item.id, status: batchStatus(await consumer.process(toProcess(item), gone)) })),
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
