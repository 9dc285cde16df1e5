// Traces, checked at an OTLP/HTTP receiver that the test starts on 127.0.0.1 as a stand-in for
// Jaeger (no Jaeger runs here): the span tree of an item across the two services, the queue
// wait as its real duration, trace ids in the logs, parent-based sampling, and silence when
// the collector is down.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from './helpers/free-port';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './helpers/otlp-receiver';
import { type Lab, sleep, startLab, startService, waitFor } from './helpers/services';

const PROCESSING_MS = 150;
const SPAN_KIND = { SERVER: 2, CLIENT: 3 };
const ERROR = 2;

const tracing = (endpoint: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' });

describe('spans at an OTLP receiver stand-in (no Jaeger runs here)', () => {
  let receiver: OtlpReceiver;
  let lab: Lab;
  const named = (name: string, where: (s: ReceivedSpan) => boolean = () => true) =>
    receiver.spans.filter((s) => s.name === name && where(s));

  before(async () => {
    receiver = await startOtlpReceiver();
    // One sender, one item at a time at the consumer: a burst waits in the queue in line.
    lab = await startLab(
      { ...tracing(receiver.endpoint), PRODUCTION_RATE: '0', SENDER_CONCURRENCY: '1', MAX_ATTEMPTS: '1' },
      { ...tracing(receiver.endpoint), PROCESSING_TIME_MS: String(PROCESSING_MS), MAX_CONCURRENCY: '1' },
    );
  });
  after(async () => {
    await lab?.stop();
    await receiver?.close();
  });

  test('an item: admission → queue_wait, send_to_consumer → process_item in the consumer, one trace', async () => {
    const asked = Date.now();
    const produced = await lab.producer.post('/produce', { count: 4 });
    const answered = Date.now();
    assert.equal(produced.body.queued, 4);
    await waitFor(() => named('process_item').length >= 4 && named('send_to_consumer').length >= 4, 10_000, 'four traces');

    const sends = named('send_to_consumer').sort((a, b) => a.startMs - b.startMs);
    const processed = named('process_item');
    assert.equal(receiver.rejected.length, 0, receiver.rejected.join('\n'));
    sends.forEach((send, k) => {
      const inTrace = (s: ReceivedSpan) => s.traceId === send.traceId;
      const [admission] = named('admission', inTrace);
      const [wait] = named('queue_wait', inTrace);
      const [process] = named('process_item', inTrace);
      assert.ok(admission && wait && process, `trace ${k} is whole`);
      assert.equal(admission.service, 'producer');
      assert.equal(admission.parentSpanId, '', 'admission is the root');
      assert.equal(admission.attributes['item.source'], 'produce');
      assert.equal(admission.attributes['admission.outcome'], 'queued');
      assert.equal(wait.parentSpanId, admission.spanId);
      assert.equal(send.parentSpanId, admission.spanId);
      assert.equal(send.kind, SPAN_KIND.CLIENT);

      const itemId = admission.attributes['item.id'];
      assert.equal(send.attributes['item.id'], itemId);
      assert.equal(send.attributes['queue.mode'], 'unbounded');
      assert.equal(typeof send.attributes['queue.size'], 'number');
      assert.equal(send.attributes['send.result'], 'delivered');

      // Across the process boundary: the consumer's span is the child of this send.
      assert.equal(process.service, 'consumer');
      assert.equal(process.parentSpanId, send.spanId);
      assert.equal(process.kind, SPAN_KIND.SERVER);
      assert.equal(process.attributes['item.id'], itemId);
      assert.equal(process.attributes['process.result'], 'processed');

      // The queue wait is the item's real wait: it starts while the test's POST /produce ran,
      // and ends when the sender is free, i.e. when the consumer finished the item before it.
      assert.ok(wait.startMs >= asked - 2 && wait.startMs <= answered + 2, `wait ${k} starts at the burst`);
      const waitMs = wait.endMs - wait.startMs;
      // One reading of the producer's clock for all three: equal but for the export's nanosecond rounding.
      assert.ok(Math.abs(send.startMs - wait.endMs) <= 0.01, `the send starts when the wait ends: ${send.startMs} − ${wait.endMs}`);
      const latencyMs = Number(send.attributes['queue.latency_seconds']) * 1000;
      assert.ok(Math.abs(latencyMs - waitMs) <= 0.01, `queue.latency_seconds is the wait: ${latencyMs} ms against ${waitMs}`);
      assert.ok(waitMs >= k * PROCESSING_MS * 0.95, `item ${k} waited ${waitMs} ms behind ${k} items of ${PROCESSING_MS} ms`);
      if (k > 0) {
        const previous = processed.find((s) => s.parentSpanId === sends[k - 1]!.spanId)!;
        const lag = wait.endMs - previous.endMs;
        assert.ok(lag >= -2 && lag <= 250, `item ${k} left the queue ${lag} ms after the consumer finished item ${k - 1}`);
      }
    });
  });

  test('a refused item: its trace is the admission span, with outcome and reason', async () => {
    await lab.consumer.post('/admin/pause');
    await lab.producer.post('/admin/config', { queue_mode: 'bounded', max_queue_size: 1 });
    const produced = await lab.producer.post('/produce', { count: 5 });
    assert.ok(produced.body.rejected >= 3, JSON.stringify(produced.body));
    await waitFor(
      () => named('admission', (s) => s.attributes['admission.outcome'] === 'rejected').length >= produced.body.rejected,
      5000,
      'rejected spans',
    );
    for (const span of named('admission', (s) => s.attributes['admission.outcome'] === 'rejected')) {
      assert.equal(span.attributes['admission.reason'], 'queue_full');
      assert.equal(span.attributes['queue.mode'], 'bounded');
      assert.equal(receiver.spans.filter((s) => s.traceId === span.traceId).length, 1, 'nothing follows a refusal');
    }
    await lab.consumer.post('/admin/resume');
    await lab.producer.post('/admin/clear-queue');
  });

  test("a log line written during a send carries that send span's trace_id and span_id", async () => {
    await lab.consumer.post('/admin/config', { failure_rate: 1 });
    await lab.producer.post('/produce', { count: 1 });
    const line = await waitFor(() => lab.producer.output.find((l) => l.includes('"msg":"item dead-lettered"')), 5000, 'a dead letter');
    const log = JSON.parse(line!);
    const send = await waitFor(() => named('send_to_consumer', (s) => s.spanId === log.span_id)[0], 5000, 'its span');
    assert.equal(log.trace_id, send.traceId);
    assert.equal(send.attributes['item.id'], log.item_id);
    assert.equal(send.attributes['send.result'], 'dead_lettered');
    assert.equal(send.status.code, ERROR);
    const process = await waitFor(() => named('process_item', (s) => s.parentSpanId === send.spanId)[0], 5000, 'the consumer span');
    assert.equal(process.status.code, ERROR);
    await lab.consumer.post('/admin/config', { failure_rate: 0 });
  });
});

describe('sampling and failure modes', () => {
  test('a TRACE_SAMPLE_RATIO outside 0..1 stops the service with a message naming it', async () => {
    await assert.rejects(startService('consumer', { TRACE_SAMPLE_RATIO: '2' }), /Invalid environment variable TRACE_SAMPLE_RATIO=/);
  });

  test('TRACE_SAMPLE_RATIO=0 at the producer: the consumer follows its parent and records nothing', async () => {
    const receiver = await startOtlpReceiver();
    const lab = await startLab(
      { ...tracing(receiver.endpoint), TRACE_SAMPLE_RATIO: '0', PRODUCTION_RATE: '100' },
      { ...tracing(receiver.endpoint), TRACE_SAMPLE_RATIO: '1', PROCESSING_TIME_MS: '5' },
    );
    try {
      await waitFor(async () => (await lab.consumer.get('/status')).totals.processed >= 100, 10_000, '100 items processed');
      await sleep(500); // a batch would have been exported by now
      assert.deepEqual(receiver.spans, []);
      const metrics = await (await fetch(`${lab.consumer.url}/metrics`)).text();
      assert.doesNotMatch(metrics, /trace_id/, 'no exemplar without a sampled trace');
    } finally {
      await lab.stop();
      await receiver.close();
    }
  });

  test('a collector that is down: items flow, and one warning per service instead of an error per batch', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const lab = await startLab(
      { ...tracing(endpoint), OTEL_EXPORTER_OTLP_TIMEOUT: '300', PRODUCTION_RATE: '100' },
      { ...tracing(endpoint), OTEL_EXPORTER_OTLP_TIMEOUT: '300', PROCESSING_TIME_MS: '5' },
    );
    try {
      // Dozens of failed batches while 250 items flow (a busy machine may take longer than 2.5 s).
      await waitFor(async () => (await lab.producer.get('/status')).accounting.sent > 250, 20_000, 'items flowed past 250');
      await sleep(1000); // the exporter's warnings so far are in the output
      for (const service of [lab.producer, lab.consumer]) {
        const warnings = service.output.filter((l) => l.includes('trace export failing'));
        assert.equal(warnings.length, 1, service.output.join('\n'));
        const other = service.output.filter((l) => !l.startsWith('{'));
        assert.deepEqual(other, [], 'nothing but JSON log lines');
      }
    } finally {
      await lab.stop();
    }
  });

  test('without OTEL_EXPORTER_OTLP_ENDPOINT: classic text metrics, no trace fields in logs', async () => {
    const lab = await startLab({ PRODUCTION_RATE: '50' }, { PROCESSING_TIME_MS: '5' });
    try {
      await sleep(500);
      const res = await fetch(`${lab.producer.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } });
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.doesNotMatch(await res.text(), /# \{trace_id/);
      assert.ok(lab.producer.output.every((l) => !l.includes('trace_id') && !l.includes('tracing on')));
    } finally {
      await lab.stop();
    }
  });
});
