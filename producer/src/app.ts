// The producer's HTTP API. Handlers validate input at the edge, then call the Producer.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { abortWhenClientGone, createApp, errorHandler, HttpError, notFound, parseInput } from '../../common/src/http';
import type { Logger } from '../../common/src/logger';
import { metricsHandler } from '../../common/src/metrics';
import type { Decision } from './admission/outcome';
import { createItem } from './item';
import { OfferWindow } from './offer-window';
import type { Producer } from './producer';
import { SLOWEST_WINDOW_SECONDS } from './slowest-items';
import { producerStatus } from './status';

/** Largest burst one POST /produce may ask for; it is produced in chunks, never in one go. */
export const MAX_PRODUCE_COUNT = 1_000_000;
const CHUNK = 1000;

const produceBody = z.strictObject({
  count: z.number().int().min(1).max(MAX_PRODUCE_COUNT).default(1),
  priority: z.enum(['high', 'normal']).default('normal'),
});

const jobBody = z.strictObject({
  priority: z.enum(['high', 'normal']).default('normal'),
  data: z.unknown().optional(),
  /** The caller's own timeout: after it the job is no use, and whoever holds it drops it (expired). */
  deadline_ms: z.number().int().min(1).max(86_400_000).optional(),
});

const deadLetterQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

const recentItemsQuery = z.object({
  seconds: z.coerce.number().int().min(1).max(SLOWEST_WINDOW_SECONDS).default(SLOWEST_WINDOW_SECONDS),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export function createProducerApp(producer: Producer, registry: Registry, logger: Logger, adminToken?: string): Express {
  const app = createApp(logger, adminToken);
  app.get('/', (_req, res) => {
    res.json({
      service: 'producer',
      endpoints: [
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
      ],
    });
  });
  app.get('/health', (_req, res) => res.json({ status: 'healthy', service: 'producer' }));
  app.get('/health/live', (_req, res) => res.json({ status: 'live' }));
  app.get('/health/ready', async (_req, res) => {
    const { ready, ...why } = await producer.backend.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...why });
  });
  app.get('/status', (_req, res) => res.json(producerStatus(producer)));
  app.get('/metrics', metricsHandler(registry));

  app.post('/admin/config', async (req, res) => {
    const changed = await producer.configure(req.body ?? {}); // in force when the answer comes
    req.log.info({ changed }, 'producer settings changed');
    res.json({ status: 'ok', changed, config: producerStatus(producer).config });
  });

  app.post('/admin/clear-queue', async (req, res) => {
    parseInput(z.strictObject({}), req.body);
    const removed = await producer.clearQueue();
    req.log.info({ items_removed: removed }, 'queue cleared');
    res.json({ status: 'ok', items_removed: removed, queue_size: producer.queueSize() });
  });

  app.post('/produce', async (req, res) => {
    const { count, priority } = parseInput(produceBody, req.body);
    const signal = abortWhenClientGone(res);
    const tally = { queued: 0, rejected: 0, dropped: 0, sampled_out: 0 };
    const window = new OfferWindow(producer.backend.offersAtOnce);
    for (let i = 0; i < count && !signal.aborted; i++) {
      const offer = producer.intake.offer(
        createItem(producer.settings.payload_bytes, priority, false, undefined, producer.settings.max_item_age_ms),
        'produce',
        signal,
      );
      await window.add(offer.then((decision) => tallyDecision(tally, decision)));
      if (i % CHUNK === CHUNK - 1) await yieldToEventLoop(); // let /status and the senders run
    }
    await window.drain();
    const body = { requested: count, ...tally, queue_size: producer.queueSize() };
    if (tally.queued === 0 && tally.rejected > 0) {
      res
        .set('Retry-After', String(retryAfterSeconds(producer)))
        .status(429)
        .json({ error: 'Queue is full', ...body });
    } else {
      res.json(body);
    }
  });

  app.post('/jobs', async (req, res) => {
    const { priority, data, deadline_ms } = parseInput(jobBody, req.body);
    const payload = data === undefined ? undefined : JSON.stringify(data);
    const item = createItem(payload === undefined ? producer.settings.payload_bytes : 0, priority, true, payload, deadline_ms);
    const decision = await producer.intake.offer(item, 'jobs', abortWhenClientGone(res));
    if (decision.kind === 'queued') {
      res
        .status(202)
        .location(`/jobs/${item.id}`)
        .json({ id: item.id, status: 'queued', location: `/jobs/${item.id}` });
    } else if (decision.kind === 'rejected' && decision.reason === 'memory') {
      res
        .set('Retry-After', String(retryAfterSeconds(producer)))
        .status(503)
        .json({ error: 'Producer is low on memory', reason: 'memory' });
    } else if (decision.kind === 'rejected' && decision.reason === 'broker_unavailable') {
      res.set('Retry-After', '1').status(503).json({ error: 'The broker cannot be reached', reason: 'broker_unavailable' });
    } else {
      const reason = decision.kind === 'rejected' ? decision.reason : decision.kind;
      res
        .set('Retry-After', String(retryAfterSeconds(producer)))
        .status(429)
        .json({ error: 'Job queue is full', reason });
    }
  });

  app.get('/jobs/:id', (req, res) => {
    const job = producer.jobs.get(req.params.id);
    if (!job) throw new HttpError(404, 'no such job (unknown, or finished and expired)', { field: 'id' });
    res.json(job);
  });

  app.get('/dead-letters', (req, res) => {
    const { limit } = parseInput(deadLetterQuery, req.query);
    res.json({ total: producer.ledger.deadLettered, items: producer.ledger.listDeadLetters(limit) });
  });

  // The slowest deliveries of the last `seconds`, with where their time went (the browser view's waterfall).
  app.get('/recent-items', (req, res) => {
    const { seconds, limit } = parseInput(recentItemsQuery, req.query);
    res.json({ seconds, items: producer.ledger.slowest.slowest(seconds, limit) });
  });

  app.use(notFound);
  app.use(errorHandler);
  return app;
}

function tallyDecision(tally: { queued: number; rejected: number; dropped: number; sampled_out: number }, d: Decision) {
  if (d.kind === 'queued') {
    tally.queued++;
    if (d.evicted) tally.dropped++;
  } else if (d.kind === 'rejected') {
    tally.rejected++;
  } else {
    tally.sampled_out++;
  }
}

/** Seconds until the queue should have room again, from the measured drain rate (1 to 60). */
export function retryAfterSeconds(p: Producer): number {
  const limit = p.intake.current.limit();
  const size = p.queueSize();
  const excess = Math.max(1, size - (Number.isFinite(limit) ? limit : size) + 1);
  const perSecond = p.backend.drainRate();
  if (!(perSecond > 0)) return 5;
  return Math.min(60, Math.max(1, Math.ceil(excess / perSecond)));
}
