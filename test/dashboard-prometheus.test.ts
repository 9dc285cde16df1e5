// The provisioned dashboard against a real Prometheus (Debian's `prometheus`, exemplar storage
// on) scraping the real services through a short scenario that gives every panel something to
// show: every PromQL expression in the dashboard must return data, and the latency histograms
// and rejection/drop counters must come back with exemplars that name exported traces.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EXEMPLAR_TRACE_LABEL } from '../common/src/exemplars';
import { dashboardQueriesFor, queriesWithoutData } from './helpers/dashboard';
import { type OtlpReceiver, startOtlpReceiver } from './helpers/otlp-receiver';
import { type Prometheus, startPrometheus } from './helpers/prometheus';
import { type Lab, sleep, startLab, waitFor } from './helpers/services';

const SCRAPE_SECONDS = 1;
const hostPort = (url: string) => new URL(url).host;

let receiver: OtlpReceiver;
let lab: Lab;
let prometheus: Prometheus;
let start: number;
let end: number;

before(async () => {
  receiver = await startOtlpReceiver();
  // A large span queue: the SDK drops spans when its queue is full, and then an exemplar would
  // name a trace the receiver never saw.
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_QUEUE_SIZE: '200000' };
  // Capacity 2 × 1000 / 20 ms = 100 items/s against 150 made: a backlog, so the strategies act.
  // Three senders against max_concurrency 2 draw 429s; injected failures with max_attempts 2
  // give retries and dead letters.
  lab = await startLab(
    {
      ...tracing,
      PRODUCTION_RATE: '150',
      QUEUE_MODE: 'bounded',
      MAX_QUEUE_SIZE: '50',
      SENDER_CONCURRENCY: '3',
      MAX_ATTEMPTS: '2',
      RETRY_BASE_MS: '10',
    },
    { ...tracing, PROCESSING_TIME_MS: '20', FAILURE_RATE: '0.15' },
  );
  prometheus = await startPrometheus({ producer: hostPort(lab.producer.url), consumer: hostPort(lab.consumer.url) }, `${SCRAPE_SECONDS}s`);
  start = Math.floor(Date.now() / 1000);
  const phase = async (config: object, ms: number) => {
    const res = await lab.producer.post('/admin/config', config);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await sleep(ms);
  };
  await sleep(2500); // bounded, overflow reject: rejections
  for (let i = 0; i < 5; i++) await lab.producer.post('/jobs', { data: { n: i } });
  await phase({ overflow: 'drop_oldest' }, 2500);
  await phase({ queue_mode: 'rate_limited', rate_limit: 60, burst: 5 }, 2500);
  await phase({ queue_mode: 'block', arrivals: 'open' }, 2500); // callers pile up in front of the queue
  await phase({ queue_mode: 'adaptive', target_latency_ms: 200, arrivals: 'closed' }, 2500);
  await phase({ queue_mode: 'sample', sample_high_water: 5, sample_rate: 4 }, 2500);
  assert.equal((await lab.producer.post('/admin/clear-queue')).status, 200);
  await sleep(3 * SCRAPE_SECONDS * 1000); // the last changes scraped
  end = Math.ceil(Date.now() / 1000);
});

after(async () => {
  await prometheus?.stop();
  await lab?.stop();
  await receiver?.close();
});

test('Prometheus scrapes both services (OpenMetrics with exemplars parses)', async () => {
  assert.deepEqual(await prometheus.targets(), { producer: 'up', consumer: 'up' }, prometheus.output.join('\n'));
});

test('every PromQL expression in the dashboard returns data from the real services', async () => {
  // This lab runs the in-memory queue: the broker row's queries (QUEUE_BACKEND=rabbitmq) are
  // left out here; test/docker/stack.test.ts checks RabbitMQ's names against a real RabbitMQ.
  const queries = dashboardQueriesFor('memory');
  assert.ok(queries.length >= 40, `the dashboard has its queries (${queries.length})`);
  assert.deepEqual(await queriesWithoutData(prometheus, queries, start, end, SCRAPE_SECONDS), [], 'queries without data');
});

test('the reasons on the rejection and drop counters are labelled as the dashboard expects', async () => {
  // Every known reason has a series from the start (at 0); these are the ones that counted.
  const reasons = async (expr: string) => (await prometheus.query(`${expr} > 0`, end)).map((s) => s.metric.reason).sort();
  assert.deepEqual(await reasons('backpressure_items_rejected_total{service="producer"}'), ['adaptive_limit', 'queue_full']);
  assert.deepEqual(await reasons('backpressure_items_dropped_total'), ['cleared', 'drop_oldest', 'sampled_out']);
  assert.deepEqual(await reasons('backpressure_items_rejected_total{service="consumer"}'), ['concurrency_limit']);
  const all = async (expr: string) => (await prometheus.query(expr, end)).map((s) => s.metric.reason).sort();
  assert.deepEqual(await all('backpressure_items_rejected_total{service="producer"}'), [
    'adaptive_limit',
    'broker_blocked',
    'broker_unavailable',
    'cancelled',
    'memory',
    'queue_bytes',
    'queue_full',
    'timeout',
  ]);
  assert.deepEqual(await all('backpressure_send_retries_total'), ['http_429', 'http_4xx', 'http_5xx', 'network', 'timeout']);
});

test('exemplars on the histograms and the rejection/drop counters name exported traces', async () => {
  // Every exemplar's trace must have reached the OTLP receiver (give the last batch a moment).
  await waitFor(() => receiver.spans.length > 0, 5000, 'spans at the receiver');
  await sleep(1500); // the exporter sends every 200 ms; give the last batches time to land
  const traceIds = new Set(receiver.spans.map((s) => s.traceId));
  for (const expr of [
    'backpressure_send_duration_seconds_bucket',
    'backpressure_queue_wait_seconds_bucket',
    'backpressure_processing_duration_seconds_bucket',
    'backpressure_items_rejected_total{service="producer"}',
    'backpressure_items_dropped_total',
    'backpressure_send_retries_total',
  ]) {
    const series = await prometheus.exemplars(expr, start, end);
    const exemplars = series.flatMap((s) => s.exemplars);
    assert.ok(exemplars.length > 0, `exemplars for ${expr}`);
    for (const e of exemplars) {
      const traceId = e.labels[EXEMPLAR_TRACE_LABEL]!;
      assert.match(traceId, /^[0-9a-f]{32}$/, `${expr}: ${JSON.stringify(e.labels)}`);
      assert.ok(traceIds.has(traceId), `${expr}: trace ${traceId} was exported`);
    }
  }
  // A rejected item's exemplar opens that item's trace: its admission span says why.
  for (const series of await prometheus.exemplars('backpressure_items_rejected_total{service="producer"}', start, end)) {
    for (const e of series.exemplars) {
      const admission = receiver.spans.find((s) => s.traceId === e.labels[EXEMPLAR_TRACE_LABEL] && s.name === 'admission');
      assert.equal(admission?.attributes['admission.outcome'], 'rejected');
      assert.equal(admission?.attributes['admission.reason'], series.seriesLabels.reason);
    }
  }
});
