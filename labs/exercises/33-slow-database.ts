import { about, atLeast, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { countRows, processedDistinct, startEmpty } from './database-steps';
import {
  DB_JQ,
  dbBusy,
  dbBusySeconds,
  dbWaiting,
  meanWriteMs,
  NEEDS_DATABASE,
  poolIsFullHop,
  processed,
  queued,
  rejected,
} from './measures';

export default {
  id: '33-slow-database',
  title: 'A slow database: which hop fills first, and how the signal reaches the producer',
  downstream: 'postgres',
  goal:
    'Every item is now written to PostgreSQL through a pool of 2 connections, and each write takes 200 ms inside ' +
    'the database: the database can take 10 items/s. The producer makes 20. Watch the pressure travel back hop by ' +
    'hop: the pool fills first, then the consumer, then the queue grows at 20 − 10 = 10 items/s, and a bounded ' +
    'queue turns the difference into refusals at the producer.',
  intro: NEEDS_DATABASE,
  steps: [
    ...startEmpty(),
    post(
      'consumer',
      '/admin/config',
      { processing_time_ms: 0, max_concurrency: 4, db_pool_size: 2, db_query_ms: 200 },
      'A slow database: 200 ms per write inside PostgreSQL, 2 connections, 4 items at once in the consumer',
    ),
    post(
      'producer',
      '/admin/config',
      { production_rate: 20, sender_concurrency: 4, queue_mode: 'bounded', max_queue_size: 100 },
      'Make 20 items/s into a queue bounded at 100',
    ),
    watch(3, 'Let the pool fill'),
    watch(6, 'Watch the hops: pool, consumer, queue', { window: 'slow', jq: DB_JQ }),
    until('Wait for the queue to reach its bound', (s) => (s.producer?.queue.size ?? 0) >= 95, 30),
    watch(6, 'Now the producer refuses what the database cannot take', { window: 'full' }),
    ...countRows(),
  ],
  watch: {
    panels: [PANELS.dbPool, PANELS.dbTimes, PANELS.queueDepth, PANELS.rejectedDropped],
    terminal: 'the queue bar fills at about 10 items/s and stays full; rejected climbs at about 10/s.',
  },
  checks: [
    atMost('items processed (the database rate)', 10.5, 'items/s', (r) => r.window('slow').rate(processed), {
      why: "the database's ceiling: 2 connections × 1000 / 200 ms",
    }),
    atLeast('time a write holds its connection', 200, 'ms', (r) => meanWriteMs(r.window('slow')), {
      why: 'db_query_ms, plus the INSERT',
    }),
    about(
      "items processed ÷ (connections busy ÷ each write's time)",
      1,
      '',
      (r) => {
        const w = r.window('slow');
        return w.rate(processed) / (w.rate(dbBusySeconds) / (meanWriteMs(w) / 1000));
      },
      { tolerance: 0.15, why: "Little's law: the pool's throughput is its busy connections over the time each is held" },
    ),
    about('connections busy', 2, 'items', (r) => r.window('slow').mean(dbBusy), { within: 0.3, why: 'the pool is full: db_pool_size' }),
    atLeast('writes waiting for a connection', 1, 'items', (r) => r.window('slow').mean(dbWaiting), {
      why: 'the consumer holds up to 4 (max_concurrency), 2 of them on a connection',
    }),
    atLeast('time the pool is the full hop', 75, '%', (r) => r.window('slow').mean(poolIsFullHop), {
      why: '/status full_hop: the hop nearest the database that is full',
    }),
    about('queue growth + items processed', 20, 'items/s', (r) => r.window('slow').rate(queued) + r.window('slow').rate(processed), {
      tolerance: 0.2,
      why: 'what is produced and not written stays in the queue',
    }),
    about(
      'rejected + items processed, once the queue is full',
      20,
      'items/s',
      (r) => r.window('full').rate(rejected) + r.window('full').rate(processed),
      {
        tolerance: 0.2,
        why: 'the bounded queue refuses what the database cannot take',
      },
    ),
    exactly('rows in items − items processed', 0, 'items', (r) => r.value('rows') - processedDistinct(r), {
      why: 'an item is processed only after its row is committed',
    }),
  ],
  question: 'Raise db_pool_size to 8. Which hop fills now, and what happens at the producer?',
  answer:
    'With 8 connections the database takes 8 × 1000 / 200 = 40 items/s, more than the 20 produced: the pool is no ' +
    'longer full, the queue drains and the refusals stop. But the consumer holds only 4 items at once ' +
    '(max_concurrency), so it now uses at most 4 of the 8 connections: 4 × 5 = 20 items/s, exactly the production. ' +
    'The full hop moves to the consumer’s slots. Each hop caps the next: the pipeline is as fast as its narrowest hop.',
  docker:
    'In the Docker stack: `DOWNSTREAM=postgres docker compose --profile downstream up -d`, and `export DATABASE_URL=postgres://lab@127.0.0.1:5432/lab` for the SQL.',
} satisfies Exercise;
