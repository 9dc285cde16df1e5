// GET /status: the producer's whole state as JSON, built from running totals (O(1) at any depth).
import { instanceName } from '../../common/src/env';
import type { Producer } from './producer';

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;
const round = (n: number, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : null);

export function producerStatus(p: Producer) {
  const s = p.settings;
  const strategy = p.intake.current;
  const limit = strategy.limit();
  const memory = process.memoryUsage();
  return {
    service: 'producer',
    instance: instanceName('producer', process.env),
    uptime_seconds: Math.round(process.uptime()),
    queue: {
      backend: p.broker ? 'rabbitmq' : 'memory',
      mode: s.queue_mode,
      size: p.queueSize(),
      max_size: s.max_queue_size,
      limit: Number.isFinite(limit) ? limit : null,
      memory_bytes: p.queueBytes(),
      memory_mb: mb(p.queueBytes()),
      by_priority: p.byPriority(),
      oldest_item_age_seconds: round(p.oldestItemAgeSeconds(), 3),
      admission_waiting: p.intake.waiting,
      admission_waiting_memory_bytes: p.intake.waitingBytes,
      admission_waiting_memory_mb: mb(p.intake.waitingBytes),
    },
    admission: {
      mode: s.queue_mode,
      ...strategy.describe(),
      blocked_seconds: round(p.ledger.blockedSeconds, 3),
      rate_limit_delays: p.ledger.rateLimitDelays,
    },
    broker: p.broker?.describe(),
    accounting: {
      ...p.accounting(),
      rejected_by_reason: { ...p.ledger.rejectedBy },
    },
    dispatcher: {
      sender_concurrency: s.sender_concurrency,
      in_flight: p.ledger.inFlight,
      breaker: p.dispatcher.breaker.describe(),
      retries: p.ledger.retries,
      average_send_ms: round(p.dispatcher.meter.averageSendMs),
      drain_capacity_per_s: round(p.drainCapacity()),
      delivered_per_s: round(p.dispatcher.meter.deliveredPerSecond()),
      dead_letters: p.ledger.deadLettered,
    },
    jobs: p.jobs.countByState(),
    config: { ...s, consumer_url: p.consumerUrl },
    process: {
      pid: process.pid,
      memory_bytes: memory.rss,
      memory_mb: mb(memory.rss),
      heap_used_bytes: memory.heapUsed,
      heap_used_mb: mb(memory.heapUsed),
      memory_limit_mb: mb(p.memoryGuard.limit.bytes),
      memory_limit_source: p.memoryGuard.limit.source,
      memory_guard: p.memoryGuard.describe(),
      active_resources: process.getActiveResourcesInfo().length,
    },
  };
}
