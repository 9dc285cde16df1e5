// Steps that the database exercises share: start from an empty queue and an empty table, and at
// the end count the rows with SQL against the items the consumer says it processed.
import { COUNT_ITEMS, itemRows, sql, TRUNCATE_ITEMS } from '../src/database';
import { type ActionContext, action, post, type Step, until } from '../src/exercise';
import { request } from '../src/services';
import type { Snapshot } from '../src/snapshot';

interface Written {
  processed: number;
  duplicates: number;
}

async function consumerWritten(ctx: ActionContext): Promise<Written> {
  const { body } = await request(`${ctx.urls.consumer}/status`);
  return { processed: body.totals.processed, duplicates: body.downstream?.writes.duplicates_avoided ?? 0 };
}

/** Nothing queued, nothing being sent (in memory), published-but-unconfirmed (broker) or held by the consumer. */
const settled = (s: Snapshot) => {
  const { producer, consumer } = s;
  if (!producer || !consumer) return false;
  const inFlight = 'in_flight' in producer.accounting ? producer.accounting.in_flight : (producer.backend.publishing ?? 0);
  return producer.queue.size === 0 && inFlight === 0 && consumer.in_flight === 0 && !consumer.broker?.holding;
};

/** No production, nothing queued or in flight, an empty table; the consumer's counts noted. */
export const startEmpty = (): Step[] => [
  post('producer', '/admin/config', { production_rate: 0 }, 'Stop the generator for a moment'),
  until('Wait until nothing is queued or in flight', settled, 30),
  action('Empty the table', `psql postgres://lab@127.0.0.1:5432/lab -c '${TRUNCATE_ITEMS}'`, async (ctx) => {
    await sql(ctx.urls, TRUNCATE_ITEMS);
    const at = await consumerWritten(ctx);
    ctx.record('processed at start', at.processed);
    ctx.record('duplicates at start', at.duplicates);
    ctx.say(`items is empty; the consumer has processed ${at.processed} so far`);
  }),
];

/** Stops production, waits for every item to be written, and counts the rows. */
export const countRows = (): Step[] => [
  post('producer', '/admin/config', { production_rate: 0 }, 'Stop the generator'),
  until('Wait until every item is processed', settled, 120),
  action('Count the rows, with SQL', `psql postgres://lab@127.0.0.1:5432/lab -c '${COUNT_ITEMS}'`, async (ctx) => {
    const rows = await itemRows(ctx.urls);
    const end = await consumerWritten(ctx);
    ctx.record('rows', rows.rows);
    ctx.record('distinct ids', rows.ids);
    ctx.record('processed at end', end.processed);
    ctx.record('duplicates at end', end.duplicates);
    ctx.say(`${rows.rows} rows, ${rows.ids} distinct ids; the consumer processed ${end.processed} (${end.duplicates} duplicates avoided)`);
  }),
];

/** Items processed since the table was emptied, each counted once (a duplicate avoided wrote no row). */
export const processedDistinct = (r: { value(name: string): number }) =>
  r.value('processed at end') - r.value('duplicates at end') - (r.value('processed at start') - r.value('duplicates at start'));

/** The database back to full speed and the queue worked off, so that what comes next starts calm. */
export const normalDatabase = (): Step[] => [
  post(
    'consumer',
    '/admin/config',
    { db_query_ms: 0, db_query_timeout_ms: 0, db_statement_timeout_ms: 0, db_max_waiting: null, db_pool_size: 4 },
    'Put the database back to full speed',
  ),
  post('producer', '/admin/config', { production_rate: 0 }, 'Stop the generator'),
  until('Wait until the queue is worked off', settled, 120),
];
