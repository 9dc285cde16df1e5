import { startDatabase, stopDatabase } from '../src/database';
import { about, action, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { countRows, processedDistinct, startEmpty } from './database-steps';
import { DB_JQ, dbReady, NEEDS_BROKER, NEEDS_DATABASE, processed, queued } from './measures';

let dataDir = '';

export default {
  id: '36-database-restart',
  title: 'The database stops and starts again: readiness 503, nothing lost, the queue drains',
  downstream: 'postgres',
  backend: {
    only: 'rabbitmq',
    why: 'items are kept by the broker while they cannot be written (over HTTP the producer retries them: the reliability tests show that)',
  },
  goal:
    'Stop PostgreSQL while items flow. The consumer cannot write, so it processes nothing: its readiness says 503, ' +
    'each item it was handed goes back to RabbitMQ unacked, and the queue grows at the production rate. Start the ' +
    'database again: the consumer finds it by itself, the queue drains, and every item is exactly one row.',
  intro: `${NEEDS_DATABASE} ${NEEDS_BROKER}`,
  steps: [
    ...startEmpty(),
    post('consumer', '/admin/config', { processing_time_ms: 0, max_concurrency: 4, db_pool_size: 4 }, 'A fast consumer and database'),
    action('Note what the producer has published so far', 'curl -s localhost:8000/status | jq .accounting.published', async (ctx) => {
      const body = (await (await fetch(`${ctx.urls.producer}/status`)).json()) as { accounting: { published: number } };
      ctx.record('published at start', body.accounting.published);
    }),
    post('producer', '/admin/config', { production_rate: 10 }, 'Make 10 items/s'),
    watch(3, 'Items flow'),
    action('Stop PostgreSQL', 'pg_ctl -D <data directory> -m fast stop     # (npm run postgres printed it)', async (ctx) => {
      dataDir = await stopDatabase(ctx.urls);
      ctx.say(`stopped the database in ${dataDir}`);
    }),
    until('Wait for the consumer to notice', (s) => s.consumer?.downstream?.ready === false, 15),
    action('Ask the consumer whether it is ready', 'curl -i localhost:8001/health/ready', async (ctx) => {
      const res = await fetch(`${ctx.urls.consumer}/health/ready`);
      ctx.record('readiness without the database', res.status);
      ctx.say(`${res.status} ${await res.text()}`);
    }),
    watch(6, 'Nothing is written; the queue grows', { window: 'down', jq: DB_JQ }),
    action('Start PostgreSQL again', 'pg_ctl -D <data directory> -l postgres.log start', async (ctx) => {
      await startDatabase(dataDir);
      ctx.say('started');
    }),
    until('Wait for the consumer to find it', (s) => s.consumer?.downstream?.ready === true, 30),
    ...countRows(),
    action('Note what the producer published in all', 'curl -s localhost:8000/status | jq .accounting.published', async (ctx) => {
      const body = (await (await fetch(`${ctx.urls.producer}/status`)).json()) as { accounting: { published: number } };
      ctx.record('published at end', body.accounting.published);
    }),
  ],
  watch: {
    panels: [PANELS.dbWrites, PANELS.queueDepth, PANELS.brokerQueue],
    terminal: 'processed stops at 0/s and the queue grows; when the database is back it drains.',
  },
  checks: [
    exactly('readiness without the database', 503, '', (r) => r.value('readiness without the database'), {
      why: '/health/ready: the database does not answer',
    }),
    exactly('ready while it was stopped', 0, '', (r) => r.window('down').max(dbReady)),
    atMost('items processed while it was stopped', 0.5, 'items/s', (r) => r.window('down').rate(processed), {
      why: 'an item is processed only once written',
    }),
    about('queue growth while it was stopped', 10, 'items/s', (r) => r.window('down').rate(queued), {
      tolerance: 0.35,
      why: 'the production rate: everything stays in the broker',
    }),
    exactly('items lost', 0, 'items', (r) => r.value('published at end') - r.value('published at start') - r.value('rows'), {
      why: 'published since the start − rows written',
    }),
    exactly('rows in items − items processed', 0, 'items', (r) => r.value('rows') - processedDistinct(r)),
  ],
  question: 'Over HTTP (the in-memory queue) the consumer answers 503 instead. What keeps the items then, and what can lose them?',
  answer:
    'The producer: a 503 is a failed send, so the item goes back to the head of its queue and is retried with ' +
    'backoff, and the circuit breaker stops the sends for a while. But every 503 uses up one of the item’s ' +
    'max_attempts: an outage longer than the retries last dead-letters items (counted, not silently lost). The ' +
    'broker keeps them without a limit on attempts, as long as it has room.',
  docker: 'In the Docker stack: `docker stop lab18-postgres`, then `docker start lab18-postgres`.',
} satisfies Exercise;
