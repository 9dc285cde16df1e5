import { about, atLeast, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { countRows, processedDistinct, startEmpty } from './database-steps';
import { DB_BATCH_JQ, itemsPerInsert, NEEDS_DATABASE, processed, queued } from './measures';

export default {
  id: '47-db-batching',
  title: 'Batching writes: one INSERT for many items',
  downstream: 'postgres',
  goal:
    'Each statement now spends 100 ms in PostgreSQL and the pool has 2 connections: with one INSERT per item the ' +
    'database writes 20 items/s, and the producer makes 50. Let the writes that wait for a connection go together ' +
    '(db_batch_max: up to 50 in one INSERT). The same 2 connections and the same 100 ms now carry every item: 2.5 ' +
    'or more per INSERT, as many as arrive while a statement runs. A slow hop keeps up by doing more per round trip, not ' +
    'more round trips.',
  intro: NEEDS_DATABASE,
  steps: [
    ...startEmpty(),
    post(
      'consumer',
      '/admin/config',
      { processing_time_ms: 0, max_concurrency: 64, db_pool_size: 2, db_query_ms: 100, db_batch_max: 1 },
      'One INSERT per item, 100 ms each, through 2 connections',
    ),
    post('producer', '/admin/config', { production_rate: 50, sender_concurrency: 32 }, 'Make 50 items/s'),
    watch(2, 'Let it settle'),
    watch(10, 'One INSERT per item', { window: 'one', jq: DB_BATCH_JQ }),
    post('consumer', '/admin/config', { db_batch_max: 50 }, 'Let up to 50 waiting writes share one INSERT'),
    until('Wait for the backlog to drain', (s) => (s.producer?.queue.size ?? Infinity) <= 20, 60),
    watch(2, 'Let it settle'),
    watch(12, 'Batched', { window: 'batched', jq: DB_BATCH_JQ }),
    ...countRows(),
  ],
  watch: {
    panels: [PANELS.dbWrites, PANELS.dbPool, PANELS.throughput, PANELS.queueDepth],
    terminal: 'processed climbs from 20/s to 50/s once writes share INSERTs; the queue drains.',
  },
  checks: [
    atMost('items processed, one INSERT per item', 20.5, 'items/s', (r) => r.window('one').rate(processed), {
      why: '2 connections × 1000 / 100 ms',
    }),
    exactly('items per INSERT, one INSERT per item', 1, '', (r) => itemsPerInsert(r.window('one')), { why: 'db_batch_max 1' }),
    atLeast('queued at the end of the first window', 200, 'items', (r) => r.window('one').last.producer.queue.size, {
      why: 'production (50/s) − what the database takes (20/s), for 12 s: 360, less what the consumer holds',
    }),
    about('items processed, batched', 50, 'items/s', (r) => r.window('batched').rate(processed), {
      tolerance: 0.15,
      why: 'all that is produced, through the same 2 connections',
    }),
    atLeast('items per INSERT, batched', 2.3, '', (r) => itemsPerInsert(r.window('batched')), {
      why: '50 items/s through at most 20 INSERTs/s (2 connections, each INSERT ≥ 100 ms): 2.5, less the production’s wobble',
    }),
    atMost('largest queue while batched', 20, 'items', (r) => r.window('batched').max(queued), { why: 'the backlog is gone' }),
    exactly('rows − distinct items processed', 0, 'items', (r) => r.value('rows') - processedDistinct(r), {
      why: 'every batched item is one row, as without batching',
    }),
  ],
  question: 'Batching made the same database take 2.5 times more. Why is db_batch_max not the default?',
  answer:
    'A batch succeeds or fails as one statement: one bad item (a constraint violation, a value too long) fails every ' +
    'item with it, and on the broker all of them are nacked and delivered again. A longer transaction also holds its ' +
    'locks and its connection longer. Group commit adds no wait when a connection is free (a write goes at once, ' +
    'alone); it only gathers the writes that would have waited anyway. Turn it on where writes are uniform and ' +
    'idempotent, as here, and keep the bound on waiting writes (db_max_waiting): a batch makes a hop faster, not ' +
    'unbounded.',
  docker: 'In the Docker stack: the same, with `--profile downstream`.',
} satisfies Exercise;
