// What the consumer says about itself: GET /health/ready, /status, /metrics and /recent-items.
import { Router as createRouter, type Router } from 'express';
import type { Registry } from 'prom-client';
import { instanceName } from '../../../common/src/env';
import { parseInput } from '../../../common/src/http';
import { RELATIVE_ERROR } from '../../../common/src/latency-window';
import { metricsHandler } from '../../../common/src/metrics';
import { recentItemsQuery } from '../../../common/src/slowest-window';
import type { BrokerConsumer } from '../broker-consumer';
import { type ConsumerSettings, capacityPerSecond, meanProcessingMs } from '../config';
import type { Consumer } from '../consumer';
import { downstreamStatus } from '../downstream/status';

const round = (n: number) => Math.round(n * 100) / 100;

/** Items per second these settings allow at most, rounded to hundredths as every answer shows it. */
export const effectiveMaxThroughput = (s: ConsumerSettings) => round(capacityPerSecond(s));

/** Quantiles in seconds of the items started (queue wait) or finished in the last window_seconds. */
function latencyOf(c: Consumer) {
  return {
    window_seconds: c.latency.queueWait.windowSeconds,
    relative_error: RELATIVE_ERROR,
    queue_wait_s: c.latency.queueWait.summary(),
    processing_s: c.latency.processing.summary(),
    end_to_end_s: c.latency.endToEnd.summary(),
  };
}

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
    effective_max_throughput_per_s: effectiveMaxThroughput(s),
    throughput_per_s: round(c.throughput.perSecond()),
    totals: { processed: c.processed, failed: c.failed, rejected_busy: c.rejected },
    goodput: {
      processed_in_deadline: c.goodput.inTime,
      processed_late: c.goodput.late,
      expired: c.expired,
      goodput_per_s: round(c.goodput.goodputPerSecond()),
      throughput_per_s: round(c.goodput.throughputPerSecond()),
    },
    latency: latencyOf(c),
    broker: broker?.describe(),
    downstream: downstreamStatus(c.downstream, c.limiter.inUse, s.max_concurrency),
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

export function statusRoutes(consumer: Consumer, registry: Registry, broker?: BrokerConsumer): Router {
  const router = createRouter();
  router.get('/health/ready', (_req, res) => {
    if (broker && !broker.connected) {
      res.status(503).json({ status: 'not ready', broker: broker.describe() });
      return;
    }
    if (!consumer.downstream.ready) {
      res.status(503).json({ status: 'not ready', downstream: consumer.downstream.describe() });
      return;
    }
    const ready = !consumer.settings.paused;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'paused' });
  });
  router.get('/status', (_req, res) => res.json(consumerStatus(consumer, broker)));
  router.get('/metrics', metricsHandler(registry));
  // The slowest items it processed lately and where their time went: on the broker, where the
  // producer sees no delivery, the browser view's waterfall is made of these.
  router.get('/recent-items', (req, res) => {
    const { seconds, limit } = parseInput(recentItemsQuery, req.query);
    res.json({ seconds, items: consumer.slowest.slowest(seconds, limit) });
  });
  return router;
}
