import { setTimeout as sleep } from 'node:timers/promises';
import { LINGERING_WRITES, lingeringWrites } from '../src/database';
import { action, atLeast, type Exercise, exactly, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { normalDatabase } from './database-steps';
import { DB_JQ, dbErrors, NEEDS_DATABASE } from './measures';

/**
 * A write counts as lingering once it has run 1.5 × the 500 ms timeout (scaled like every
 * duration). Asked every 100 ms for 2 s (one full write's time) and the largest count kept: retries
 * come in waves, so one look could fall between two.
 */
const lingering = (name: string) =>
  action(
    'Ask PostgreSQL, for 2 s, how many of the lab’s writes are still running after 750 ms (pg_stat_activity)',
    `psql postgres://lab@127.0.0.1:5432/lab -c "${LINGERING_WRITES.replace(/\s+/g, ' ').replace('$1', '750')}"`,
    async (ctx) => {
      let most = 0;
      const until = performance.now() + 2000 / ctx.scale;
      while (performance.now() < until) {
        most = Math.max(most, await lingeringWrites(ctx.urls, 750 / ctx.scale));
        await sleep(100);
      }
      ctx.record(name, most);
      ctx.say(`at most ${most} writes still running in PostgreSQL`);
    },
  );

export default {
  id: '35-query-timeouts',
  title: 'A client-side timeout leaves the query running; statement_timeout cancels it',
  downstream: 'postgres',
  goal:
    'Each write now takes 2 s inside PostgreSQL. First the consumer gives up after 500 ms on its side ' +
    '(db_query_timeout_ms, pg’s query_timeout): the item fails, but PostgreSQL keeps running the query — the load ' +
    'stays on the database, and the retries add more. Then PostgreSQL itself cancels after 500 ms ' +
    '(db_statement_timeout_ms, statement_timeout): nothing runs on.',
  intro: NEEDS_DATABASE,
  steps: [
    post(
      'consumer',
      '/admin/config',
      { processing_time_ms: 0, max_concurrency: 4, db_pool_size: 4, db_query_ms: 2000, db_query_timeout_ms: 500 },
      'Writes of 2 s; the consumer stops waiting after 500 ms',
    ),
    post('producer', '/admin/config', { production_rate: 10, sender_concurrency: 4 }, 'Make 10 items/s'),
    watch(3, 'Let the timeouts happen', { window: 'client', jq: DB_JQ }),
    lingering('lingering with query_timeout'),
    post(
      'consumer',
      '/admin/config',
      { db_query_timeout_ms: 0, db_statement_timeout_ms: 500 },
      'Let PostgreSQL cancel instead: statement_timeout 500 ms',
    ),
    watch(3, 'Let the earlier queries end (at most 2 s)'),
    watch(4, 'Now each write is cancelled by PostgreSQL', { window: 'server', jq: DB_JQ }), // 2 s at LAB_TIME_SCALE=2: a busy machine's stall fits
    lingering('lingering with statement_timeout'),
    ...normalDatabase(),
  ],
  watch: {
    panels: [PANELS.dbWrites, PANELS.dbTimes, PANELS.dbPool],
    terminal: 'nothing is processed in either case: every write takes longer than its timeout.',
  },
  checks: [
    atLeast('writes timed out by the client', 1, 'items', (r) => r.window('client').change(dbErrors('query_timeout')), {
      why: 'db_query_timeout_ms: the client stops waiting',
    }),
    atLeast('writes still running in PostgreSQL after the client gave up', 2, 'items', (r) => r.value('lingering with query_timeout'), {
      why: 'query_timeout is client-side: the server runs each query its full 2 s',
    }),
    atLeast('writes cancelled by PostgreSQL', 1, 'items', (r) => r.window('server').change(dbErrors('statement_timeout')), {
      why: 'SQLSTATE 57014, canceling statement due to statement timeout',
    }),
    exactly('writes still running after 750 ms with statement_timeout', 0, 'items', (r) => r.value('lingering with statement_timeout'), {
      why: 'the server cancels each at 500 ms',
    }),
  ],
  question: 'Why does a client-side timeout make an overloaded database worse, not better?',
  answer:
    'The client frees itself and usually retries, but the database still does the abandoned work: each retry adds a ' +
    'query while the first one still runs. Under overload that multiplies the load exactly when the database can ' +
    'least take it. A server-side statement_timeout stops the work itself; a deadline passed with the request ' +
    '(and checked where the work is done) is the general form of the same idea.',
  docker: 'In the Docker stack: the same; psql against 127.0.0.1:5432 (the lab18-postgres container).',
} satisfies Exercise;
