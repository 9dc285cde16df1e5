// The provisioned dashboard on a quiet lab: a real Prometheus scrapes the real services through a
// scenario with no failures, no retries and no refusals, and still every panel of the in-memory
// backend shows a series. A count that is zero must read 0, not "No data": every counter whose
// label values are known starts at 0 for each of them (common/src/metrics.ts, knownCounter).
// Panels of another backend are marked by their row's title (test/helpers/dashboard.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dashboardQueries, dashboardQueriesFor, queriesWithoutData } from './helpers/dashboard';
import { type Prometheus, startPrometheus } from './helpers/prometheus';
import { type Lab, metricValue, sleep, startLab } from './helpers/services';

const SCRAPE_SECONDS = 1;
const hostPort = (url: string) => new URL(url).host;

let lab: Lab;
let prometheus: Prometheus;
let start: number;
let end: number;

before(async () => {
  // Capacity 2 × 1000 / 10 ms = 200 items/s against 20 made, and two senders for two slots: the
  // consumer keeps up, so nothing waits, fails, retries or is refused.
  lab = await startLab({ PRODUCTION_RATE: '20', QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '100' }, { PROCESSING_TIME_MS: '10' });
  prometheus = await startPrometheus({ producer: hostPort(lab.producer.url), consumer: hostPort(lab.consumer.url) }, `${SCRAPE_SECONDS}s`);
  start = Math.floor(Date.now() / 1000);
  await sleep(3000); // bounded: a queue limit to show
  const job = await lab.producer.post('/jobs', { data: { n: 1 } });
  assert.equal(job.status, 202, JSON.stringify(job.body));
  // rate_limited, with tokens to spare: the token bucket has something to show.
  const config = await lab.producer.post('/admin/config', { queue_mode: 'rate_limited', rate_limit: 100, burst: 10 });
  assert.equal(config.status, 200, JSON.stringify(config.body));
  await sleep(3000);
  await sleep(3 * SCRAPE_SECONDS * 1000); // the last changes scraped
  end = Math.ceil(Date.now() / 1000);
});

after(async () => {
  await prometheus?.stop();
  await lab?.stop();
});

test('the scenario is quiet: no failures, no retries, no refusals, nothing lost', async () => {
  const status = await lab.producer.get('/status');
  const { produced, sent, rejected, dropped, sampled_out, cleared, dead_lettered } = status.accounting;
  assert.ok(produced > 50 && sent > 50, `items flowed: ${JSON.stringify(status.accounting)}`);
  assert.deepEqual(
    { rejected, dropped, sampled_out, cleared, dead_lettered },
    { rejected: 0, dropped: 0, sampled_out: 0, cleared: 0, dead_lettered: 0 },
  );
  assert.equal(status.backend.retries, 0);
  assert.equal(await metricValue(lab.consumer, 'backpressure_items_failed_total'), 0);
  assert.equal(await metricValue(lab.consumer, 'backpressure_items_rejected_total'), 0);
});

test('every dashboard query of the in-memory backend returns a series, zeros included', async (t) => {
  const queries = dashboardQueriesFor('memory');
  const others = dashboardQueries().length - queries.length;
  t.diagnostic(`${queries.length} queries checked; ${others} belong to another backend's row`);
  assert.ok(queries.length >= 40, `the dashboard has its queries (${queries.length})`);
  assert.deepEqual(await queriesWithoutData(prometheus, queries, start, end, SCRAPE_SECONDS), [], 'queries without data');
});

test('a row titled (QUEUE_BACKEND=<name>) gives its panels, expanded or collapsed, to that backend', () => {
  const panel = (title: string, y: number) => ({ type: 'timeseries', title, gridPos: { x: 0, y }, targets: [{ refId: 'A', expr: title }] });
  const row = (title: string, y: number, panels?: object[]) => ({
    type: 'row',
    title,
    gridPos: { x: 0, y },
    ...(panels && { collapsed: true, panels }),
  });
  const dashboard = {
    // Out of order on purpose: Grafana places panels by gridPos, not by their order in the file.
    panels: [
      panel('in_broker_row', 31),
      row('The lab', 0),
      panel('in_lab_row', 1),
      row('Broker (QUEUE_BACKEND=rabbitmq)', 30),
      row('Memory only (QUEUE_BACKEND=memory)', 40, [panel('in_collapsed_memory_row', 41)]),
      row('Strategies', 50),
      panel('in_last_row', 51),
    ],
  };
  const names = (backend: string) => dashboardQueriesFor(backend, dashboard).map((q) => q.expr);
  assert.deepEqual(names('memory'), ['in_lab_row', 'in_collapsed_memory_row', 'in_last_row']);
  assert.deepEqual(names('rabbitmq'), ['in_lab_row', 'in_broker_row', 'in_last_row']);
});
