import { itemRows } from '../src/database';
import { action, atLeast, type Exercise, exactly, kill, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { startEmpty } from './database-steps';
import { DB_JQ, NEEDS_BROKER, NEEDS_DATABASE } from './measures';

const ITEMS = 400;

export default {
  id: '37-consumer-killed-mid-write',
  title: 'A consumer killed in the middle of its writes: every item one row, none twice',
  downstream: 'postgres',
  backend: { only: 'rabbitmq', why: 'only the broker delivers an unacked item again after its consumer dies' },
  goal:
    `Queue ${ITEMS} items and kill the consumer with SIGKILL while it writes them, 20 unacked at a time, 4 of them ` +
    'inside PostgreSQL. Writes the database committed were never acked, so RabbitMQ delivers those items again: ' +
    'at-least-once delivery. The INSERT … ON CONFLICT (id) DO NOTHING finds their rows and writes nothing: ' +
    `${ITEMS} rows, ${ITEMS} distinct items, 0 duplicates — exactly-once in effect, from an idempotent write.`,
  intro: `${NEEDS_DATABASE} ${NEEDS_BROKER}`,
  steps: [
    ...startEmpty(),
    post(
      'consumer',
      '/admin/config',
      { processing_time_ms: 0, max_concurrency: 20, db_pool_size: 4, db_query_ms: 100 },
      'A consumer that holds 20 (prefetch), writing 4 at a time, 100 ms each: 40 items/s',
    ),
    post('producer', '/produce', { count: ITEMS }, `Queue ${ITEMS} items`),
    watch(3, 'Let it write for a while', { jq: DB_JQ }),
    kill('consumer', 'Kill the consumer with SIGKILL in the middle of its writes'),
    until('Wait for the crash to show', (s) => s.consumer === undefined, 10),
    until('Wait for `npm start` to restart it (1 s) and for it to reconnect', (s) => s.consumer?.broker?.connected === true, 30),
    until(
      'Wait until every item is written',
      (s) => s.producer?.queue.size === 0 && s.consumer?.broker?.holding === 0 && s.consumer?.in_flight === 0,
      120,
    ),
    action(
      'Count the rows, with SQL; ask the restarted consumer what it saw',
      'psql … -c "SELECT count(*), count(DISTINCT id) FROM items"',
      async (ctx) => {
        const rows = await itemRows(ctx.urls);
        const status = (await (await fetch(`${ctx.urls.consumer}/status`)).json()) as {
          broker: { redeliveries: number };
          downstream: { writes: { duplicates_avoided: number } };
        };
        ctx.record('rows', rows.rows);
        ctx.record('distinct ids', rows.ids);
        ctx.record('redeliveries', status.broker.redeliveries);
        ctx.record('duplicates avoided', status.downstream.writes.duplicates_avoided);
        ctx.say(
          `${rows.rows} rows, ${rows.ids} distinct; ${status.broker.redeliveries} redelivered, ${status.downstream.writes.duplicates_avoided} already written`,
        );
      },
    ),
  ],
  watch: {
    panels: [PANELS.dbWrites, PANELS.brokerNacks, PANELS.queueDepth],
    terminal: 'the consumer turns red (DOWN) and comes back; the queue drains to 0.',
  },
  checks: [
    exactly('rows in items', ITEMS, 'items', (r) => r.value('rows'), { why: 'every queued item, none lost' }),
    exactly('ids written twice', 0, 'items', (r) => r.value('rows') - r.value('distinct ids'), {
      why: 'id is the primary key; the write is INSERT … ON CONFLICT (id) DO NOTHING',
    }),
    atLeast('items delivered again after the kill', 1, 'items', (r) => r.value('redeliveries'), {
      why: 'the consumer held up to 20 unacked',
    }),
    atLeast('of them already written (duplicates avoided)', 1, 'items', (r) => r.value('duplicates avoided'), {
      why: 'writes committed in PostgreSQL whose ack never reached RabbitMQ',
    }),
  ],
  question: 'Why not ack first and write after, so nothing is ever delivered twice?',
  answer:
    'Then a crash between the ack and the commit loses the item: RabbitMQ forgot it and the table never got it — ' +
    'at-most-once. Ack after commit gives at-least-once, and the duplicates it brings are made harmless by the ' +
    'write itself: a unique key and ON CONFLICT DO NOTHING (or an upsert). The pair is what people call ' +
    '"effectively once". The alternative, a transaction spanning the broker and the database, needs both to ' +
    'take part in it, which RabbitMQ and PostgreSQL do not.',
  docker: 'In the Docker stack: `docker kill -s KILL lab18-consumer` (its restart policy brings it back).',
} satisfies Exercise;
