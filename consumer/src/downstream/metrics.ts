// The downstream's Prometheus metrics (DOWNSTREAM=postgres): the pool's state as gauges, how long
// a write waited for a connection and spent in PostgreSQL, and why writes failed (every reason at
// 0 from the start, so its panel reads 0, not "No data").
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { knownCounter } from '../../../common/src/metrics';
import type { PoolCounts } from './connection-pool';
import { DB_ERROR_REASONS } from './errors';

export interface DownstreamGaugeSource {
  counts(): PoolCounts;
  maxWaiting(): number | null;
  busySeconds(): number;
  ready(): boolean;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createDownstreamMetrics(registry: Registry, source: DownstreamGaugeSource) {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  gauge('backpressure_db_pool_size', 'Connections the pool may open (db_pool_size)', () => source.counts().size);
  gauge('backpressure_db_pool_busy', 'Connections checked out by a write now', () => source.counts().busy);
  gauge('backpressure_db_pool_idle', 'Open connections no write uses now', () => source.counts().idle);
  gauge('backpressure_db_pool_waiting', 'Writes waiting for a connection now', () => source.counts().waiting);
  gauge('backpressure_db_pool_max_waiting', 'Bound on waiting writes (db_max_waiting; +Inf: none)', () => source.maxWaiting() ?? Infinity);
  gauge('backpressure_db_ready', '1 while writes can succeed (the database answers and has its table)', () => (source.ready() ? 1 : 0));
  new Counter({
    name: 'backpressure_db_pool_busy_seconds_total',
    help: 'Seconds connections were checked out, summed (its rate ÷ pool size = utilization)',
    registers,
    collect() {
      this.reset();
      this.inc(source.busySeconds());
    },
  });
  return {
    acquire: new Histogram({
      name: 'backpressure_db_pool_acquire_seconds',
      help: 'Time a write waited for a connection from the pool',
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    query: new Histogram({
      name: 'backpressure_db_query_seconds',
      help: "Time the write's INSERT took in PostgreSQL (the round trip)",
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    batch: new Histogram({
      name: 'backpressure_db_batch_size',
      help: 'Items each committed INSERT carried (db_batch_max; 1 without batching)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    }),
    errors: knownCounter(
      { name: 'backpressure_db_errors_total', help: 'Writes that failed or were refused, by reason', registers },
      'reason',
      DB_ERROR_REASONS,
    ),
    writes: knownCounter({ name: 'backpressure_db_writes_total', help: 'Writes committed, by result', registers }, 'result', [
      'inserted',
      'duplicate',
    ]),
  };
}

export type DownstreamMetrics = ReturnType<typeof createDownstreamMetrics>;
