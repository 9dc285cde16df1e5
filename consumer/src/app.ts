// The consumer's HTTP API.
import type { Express, Request, Response } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { instanceName } from '../../common/src/env';
import { abortWhenClientGone, createApp, errorHandler, notFound, parseInput } from '../../common/src/http';
import type { Logger } from '../../common/src/logger';
import { metricsHandler } from '../../common/src/metrics';
import type { BrokerConsumer } from './broker-consumer';
import { capacityPerSecond, meanProcessingMs } from './config';
import type { Consumer } from './consumer';
import { traceProcessing } from './tracing';

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

const factorBody = z.strictObject({ factor: z.number().gt(0).max(1000).default(2) });

const round = (n: number) => Math.round(n * 100) / 100;

export function consumerStatus(c: Consumer, broker?: BrokerConsumer) {
  const s = c.settings;
  const memory = process.memoryUsage();
  return {
    service: 'consumer',
    instance: instanceName('consumer', process.env),
    uptime_seconds: Math.round(process.uptime()),
    in_flight: c.limiter.inUse,
    max_concurrency: s.max_concurrency,
    paused: s.paused,
    processing: {
      time_ms: s.processing_time_ms,
      variable: s.variable_processing,
      min_ms: s.processing_min_ms,
      max_ms: s.processing_max_ms,
      mean_ms: meanProcessingMs(s),
      failure_rate: s.failure_rate,
    },
    effective_max_throughput_per_s: round(capacityPerSecond(s)),
    throughput_per_s: round(c.throughput.perSecond()),
    totals: { processed: c.processed, failed: c.failed, rejected_busy: c.rejected },
    goodput: {
      processed_in_deadline: c.goodput.inTime,
      processed_late: c.goodput.late,
      expired: c.expired,
      goodput_per_s: round(c.goodput.goodputPerSecond()),
      throughput_per_s: round(c.goodput.throughputPerSecond()),
    },
    broker: broker?.describe(),
    config: s,
    process: {
      pid: process.pid,
      memory_bytes: memory.rss,
      memory_mb: round(memory.rss / 1024 / 1024),
      heap_used_bytes: memory.heapUsed,
      heap_used_mb: round(memory.heapUsed / 1024 / 1024),
    },
  };
}

/** Whole seconds until a slot is likely free: one mean processing time, at least 1. */
const retryAfterSeconds = (c: Consumer) => String(Math.max(1, Math.ceil(meanProcessingMs(c.settings) / 1000)));

export function createConsumerApp(
  consumer: Consumer,
  registry: Registry,
  logger: Logger,
  adminToken?: string,
  broker?: BrokerConsumer,
): Express {
  const app = createApp(logger, adminToken);

  app.get('/', (_req, res) => {
    res.json({
      service: 'consumer',
      endpoints: [
        'GET /health',
        'GET /health/live',
        'GET /health/ready',
        'GET /status',
        'GET /metrics',
        'POST /process',
        'POST /process-batch',
        'POST /admin/config',
        'POST /admin/slow-down',
        'POST /admin/speed-up',
        'POST /admin/pause',
        'POST /admin/resume',
      ],
    });
  });
  app.get('/health', (_req, res) => res.json({ status: 'healthy', service: 'consumer' }));
  app.get('/health/live', (_req, res) => res.json({ status: 'live' }));
  app.get('/health/ready', (_req, res) => {
    if (broker && !broker.connected) {
      res.status(503).json({ status: 'not ready', broker: broker.describe() });
      return;
    }
    const ready = !consumer.settings.paused;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'paused' });
  });
  app.get('/status', (_req, res) => res.json(consumerStatus(consumer, broker)));
  app.get('/metrics', metricsHandler(registry));

  app.post('/process', async (req, res) => {
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
  app.post('/process-batch', async (req, res) => {
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

  app.post('/admin/config', (req, res) => {
    const changed = consumer.configure(req.body ?? {});
    req.log.info({ changed }, 'consumer settings changed');
    res.json({
      status: 'ok',
      changed,
      config: consumer.settings,
      effective_max_throughput_per_s: round(capacityPerSecond(consumer.settings)),
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
      effective_max_throughput_per_s: round(capacityPerSecond(consumer.settings)),
      config: consumer.settings,
    });
  };
  app.post('/admin/slow-down', scaleRoute(true));
  app.post('/admin/speed-up', scaleRoute(false));

  const pauseRoute = (paused: boolean) => (req: Request, res: Response) => {
    parseInput(z.strictObject({}), req.body);
    consumer.configure({ paused });
    req.log.info({ paused }, paused ? 'consumer paused' : 'consumer resumed');
    res.json({ status: 'ok', paused });
  };
  app.post('/admin/pause', pauseRoute(true));
  app.post('/admin/resume', pauseRoute(false));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
