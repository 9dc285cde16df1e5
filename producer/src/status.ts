// GET /status: the producer's whole state as JSON, built from running totals (O(1) at any depth).
// Its shape is ProducerStatus (status-model.ts), which the browser view and the workshop read.
import { instanceName } from '../../common/src/env';
import type { Producer } from './producer';
import type { ProducerStatus } from './status-model';

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;
const round = (n: number, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : null);

export function producerStatus(p: Producer): ProducerStatus {
  const s = p.settings;
  const strategy = p.intake.current;
  const limit = strategy.limit();
  const memory = process.memoryUsage();
  const backend = p.backend.describe();
  return {
    service: 'producer',
    instance: instanceName('producer', process.env),
    uptime_seconds: Math.round(process.uptime()),
    queue: {
      mode: s.queue_mode,
      size: backend.depth,
      max_size: s.max_queue_size,
      limit: Number.isFinite(limit) ? limit : null,
      memory_bytes: backend.bytes,
      memory_mb: mb(backend.bytes),
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
    backend,
    accounting: {
      ...p.accounting(),
      rejected_by_reason: { ...p.ledger.rejectedBy },
    },
    jobs: p.jobs.countByState(),
    callers: p.callers.describe(),
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
