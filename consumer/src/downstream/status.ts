// The consumer's hops for /status, from the one nearest the producer to the one nearest the
// database: its processing slots (max_concurrency), the pool's waiting line (db_max_waiting) and
// the pool's connections (db_pool_size). Pressure starts at the database's end: the full hop
// nearest it is where to look first.
import type { Downstream } from './downstream';
import type { PostgresDownstream } from './postgres-downstream';

/** The consumer's hops, from the one nearest the producer to the one nearest the database. */
export const HOPS = ['consumer_slots', 'pool_waiting', 'pool_connections'] as const;

interface Hop {
  hop: (typeof HOPS)[number];
  used: number;
  /** null: unbounded. */
  capacity: number | null;
  full: boolean;
}

export function downstreamStatus(downstream: Downstream, inFlight: number, maxConcurrency: number) {
  const described = downstream.describe() as ReturnType<PostgresDownstream['describe']> | undefined;
  if (!described) return undefined;
  const { pool } = described;
  const hops: Hop[] = [
    { hop: 'consumer_slots', used: inFlight, capacity: maxConcurrency, full: inFlight >= maxConcurrency },
    {
      hop: 'pool_waiting',
      used: pool.waiting,
      capacity: pool.max_waiting,
      full: pool.max_waiting !== null && pool.waiting >= pool.max_waiting && pool.busy >= pool.size,
    },
    { hop: 'pool_connections', used: pool.busy, capacity: pool.size, full: pool.busy >= pool.size },
  ];
  return { ...described, hops, full_hop: [...hops].reverse().find((h) => h.full)?.hop ?? null };
}
