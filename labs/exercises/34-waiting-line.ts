import { about, atLeast, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { normalDatabase } from './database-steps';
import { DB_JQ, dbBusySeconds, dbWaiting, meanWriteMs, NEEDS_DATABASE, processed, queued, refusedByConsumer, rejected } from './measures';

export default {
  id: '34-waiting-line',
  title: "The unbounded waiting line: node-postgres's pool swallows the signal",
  downstream: 'postgres',
  backend: {
    only: 'memory',
    why: "its signal is the consumer's 429 (db_pool_full) to the producer's senders, up to 100 at a time; on the broker no sender exists: the consumer nacks a refused item back to lab.items, where exercise 33 shows the queue grow",
  },
  goal:
    'The database takes 10 items/s (1 connection, 100 ms a write); the producer makes 20 and the consumer accepts up ' +
    "to 100 at once. Writes that find no connection wait in pg's pool, in a line with no bound: the producer sees " +
    'nothing — no refusal, no queue — while waiting writes, memory and latency grow inside the consumer. Then set ' +
    'db_max_waiting: past 5 waiting writes the consumer refuses at once (429, db_pool_full), and the pressure reaches ' +
    'the producer.',
  intro: NEEDS_DATABASE,
  steps: [
    post(
      'consumer',
      '/admin/config',
      { processing_time_ms: 0, max_concurrency: 100, db_pool_size: 1, db_query_ms: 100 },
      'A database of 10 items/s behind a consumer that takes 100 at once',
    ),
    post(
      'producer',
      '/admin/config',
      { production_rate: 20, sender_concurrency: 100, send_timeout_ms: 60_000 },
      'Make 20 items/s, sent up to 100 at a time (and wait as long as it takes for each answer)',
    ),
    watch(6, 'Watch the waiting line grow inside the consumer', { window: 'unbounded', jq: DB_JQ }),
    post('consumer', '/admin/config', { db_max_waiting: 5 }, 'Bound the waiting line: at most 5 writes wait'),
    until('Wait for the line to drain to the bound', (s) => (s.consumer?.downstream?.pool.waiting ?? Infinity) <= 5, 30),
    watch(2, 'Let it settle'),
    watch(6, 'Now the consumer refuses, and the queue grows at the producer', { window: 'bounded', jq: DB_JQ }),
    ...normalDatabase(),
  ],
  watch: {
    panels: [PANELS.dbPool, PANELS.dbTimes, PANELS.queueDepth, PANELS.retries],
    terminal: 'first nothing moves at the producer; after the bound, its queue bar grows.',
  },
  checks: [
    about(
      'waiting writes grow by + items written',
      20,
      'items/s',
      (r) => r.window('unbounded').rate(dbWaiting) + r.window('unbounded').rate(processed),
      {
        tolerance: 0.25,
        why: 'every item produced is either written or waiting in the pool: none refused',
      },
    ),
    atLeast(
      "waiting writes ÷ the producer's largest queue, meanwhile",
      2,
      '',
      (r) => (r.window('unbounded').last.consumer.downstream?.pool.waiting ?? Number.NaN) / Math.max(1, r.window('unbounded').max(queued)),
      { why: 'the line forms inside the consumer, out of the producer’s sight: the signal is absorbed' },
    ),
    exactly('refusals the producer saw, meanwhile', 0, 'items', (r) => r.window('unbounded').change(refusedByConsumer)),
    exactly('rejected at the producer, meanwhile', 0, 'items', (r) => r.window('unbounded').change(rejected)),
    atMost('waiting writes, bounded', 5, 'items', (r) => r.window('bounded').max(dbWaiting), { why: 'db_max_waiting' }),
    atLeast('refusals (429 db_pool_full)', 1, 'items/s', (r) => r.window('bounded').rate(refusedByConsumer), {
      why: 'past the bound the consumer refuses at once',
    }),
    atMost('items processed', 10.5, 'items/s', (r) => r.window('bounded').rate(processed), {
      why: "one connection's ceiling: 1000 / 100 ms",
    }),
    about(
      "items processed ÷ (connections busy ÷ each write's time)",
      1,
      '',
      (r) => {
        const w = r.window('bounded');
        return w.rate(processed) / (w.rate(dbBusySeconds) / (meanWriteMs(w) / 1000));
      },
      { tolerance: 0.2, why: "the database still works at its full pace (Little's law), while the excess is refused" },
    ),
    atLeast("the producer's queue grows by", 5, 'items/s', (r) => r.window('bounded').rate(queued), {
      why: 'about 20 produced − 10 written: the signal reached the producer (refused items are retried after Retry-After)',
    }),
  ],
  question: 'db_acquire_timeout_ms (pg’s connectionTimeoutMillis) also ends a wait. Why is it not enough on its own?',
  answer:
    'It bounds the wait in time, not the line in length: with a 5 s timeout, 5 s × the arrival rate can still wait, ' +
    'each holding its request, its memory and the caller’s connection, and each one times out only after the full ' +
    '5 s — the producer learns of the overload 5 s late, and the database did no less work. A bound on the number ' +
    'waiting refuses the excess at once, while the answer is still useful to the caller.',
  docker: 'In the Docker stack: `DOWNSTREAM=postgres docker compose --profile downstream up -d`.',
} satisfies Exercise;
