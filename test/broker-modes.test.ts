// Every queue_mode on the broker (QUEUE_BACKEND=rabbitmq), against a real RabbitMQ started for
// this file: what the broker itself enforces (max-length with reject-publish or drop-head, bytes,
// TTL, dead letters) and what the producer decides (block/timeout retries, the token bucket,
// sampling and the adaptive limit from the polled depth). Most scenarios run without a consumer,
// so that the broker's counts are exact; the books are checked across the processes after each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startOtlpReceiver } from './helpers/otlp-receiver';
import {
  brokerBooks,
  emptyQueues,
  type RabbitMQ,
  readyCount,
  settledCounts,
  startBroker,
  startBrokerConsumer,
  startBrokerProducer,
  waitBrokerReady,
} from './helpers/rabbitmq';
import { assertNoProcessFault, metricValue, type Service, sleep, waitFor } from './helpers/services';

let rabbit: RabbitMQ;
before(async () => {
  rabbit = await startBroker();
});
after(() => rabbit?.stop());

type T = { after: (fn: () => Promise<unknown>) => void };

/** A producer on an empty broker, making nothing by itself, stopped when the test ends. */
async function producerFor(t: T, env: Record<string, string> = {}): Promise<Service> {
  await emptyQueues(rabbit);
  const producer = await startBrokerProducer(rabbit, { PRODUCTION_RATE: '0', PAYLOAD_BYTES: '100', ...env });
  t.after(async () => {
    assertNoProcessFault(producer);
    await producer.stop();
  });
  await waitBrokerReady(producer);
  return producer;
}

async function consumerFor(t: T, env: Record<string, string> = {}): Promise<Service> {
  const consumer = await startBrokerConsumer(rabbit, env);
  t.after(async () => {
    assertNoProcessFault(consumer);
    await consumer.stop();
  });
  return consumer;
}

const accounting = async (producer: Service) => (await producer.get('/status')).accounting;

/** Checks the books across the producer, the broker and the consumer (0 processed without one). */
async function assertBooksBalance(producer: Service, consumer?: Service): Promise<void> {
  const counts = await settledCounts(rabbit);
  const a = await accounting(producer);
  assert.ok(a.balanced, `the producer's own books: ${JSON.stringify(a)}`);
  const processed = consumer ? (await consumer.get('/status')).totals.processed : 0;
  const books = brokerBooks([a], counts, processed);
  assert.ok(
    books.balanced,
    `published = ready + unacked + processed + dropped + expired + dead_lettered + cleared: ${JSON.stringify({ books, a })}`,
  );
}

describe('on the broker', () => {
  test('unbounded: everything is published and confirmed; a consumer then processes it all', async (t) => {
    const producer = await producerFor(t);
    const burst = await producer.post('/produce', { count: 200 });
    assert.equal(burst.body.queued, 200);
    assert.equal((await settledCounts(rabbit)).ready, 200, 'all 200 in RabbitMQ');
    const status = await producer.get('/status');
    assert.equal(status.backend.kind, 'rabbitmq');
    assert.equal(status.backend.connection.connected, true);
    assert.equal(status.accounting.published, 200);
    assert.deepEqual(status.backend.policy.definition, { 'dead-letter-exchange': 'lab.dead' }, 'no length limit');
    const consumer = await consumerFor(t, { PROCESSING_TIME_MS: '1', MAX_CONCURRENCY: '10' });
    await waitFor(async () => (await consumer.get('/status')).totals.processed === 200, 20_000, 'all 200 processed');
    await assertBooksBalance(producer, consumer);
  });

  test('bounded + reject: max-length with reject-publish; a nack is a rejection (queue_full) and POST /jobs gets 429', async (t) => {
    const producer = await producerFor(t, { QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '20' });
    const burst = await producer.post('/produce', { count: 50 });
    assert.equal(burst.body.queued, 20, "exactly max_queue_size confirmed: a classic queue's limit is exact");
    assert.equal(burst.body.rejected, 30);
    const job = await producer.post('/jobs', {});
    assert.equal(job.status, 429);
    assert.equal(job.body.reason, 'queue_full');
    assert.ok(Number(job.headers.get('retry-after')) >= 1);
    const status = await producer.get('/status');
    assert.equal(status.accounting.rejected_by_reason.queue_full, 31);
    assert.equal(status.backend.publish_nacks, 31);
    assert.equal(await metricValue(producer, 'backpressure_broker_publish_nacks_total'), 31);
    assert.deepEqual(status.backend.policy.definition, {
      'dead-letter-exchange': 'lab.dead',
      'max-length': 20,
      overflow: 'reject-publish',
    });
    await assertBooksBalance(producer);
  });

  test('a limit changed at run time applies to the live queue and loses nothing', async (t) => {
    const producer = await producerFor(t, { QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '20' });
    await producer.post('/produce', { count: 20 });
    const lowered = await producer.post('/admin/config', { max_queue_size: 5 });
    assert.equal(lowered.status, 200);
    assert.equal((await producer.post('/produce', { count: 3 })).body.rejected, 3, 'above the new limit: refused');
    assert.equal((await settledCounts(rabbit)).ready, 20, 'all 20 kept: reject-publish never drops what is queued');
    await producer.post('/admin/config', { max_queue_size: 30 });
    const raised = await producer.post('/produce', { count: 15 });
    assert.equal(raised.body.queued, 10, 'room for 10 more at once');
    assert.equal((await settledCounts(rabbit)).ready, 30);
    await assertBooksBalance(producer);
  });

  test('bounded + drop_oldest: drop-head keeps the newest; each dropped head comes back dead-lettered and counted as dropped', async (t) => {
    const producer = await producerFor(t, { QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '10', OVERFLOW: 'drop_oldest' });
    const burst = await producer.post('/produce', { count: 30 });
    assert.equal(burst.body.queued, 30, 'every publish confirmed');
    await waitFor(async () => (await accounting(producer)).dropped === 20, 10_000, '20 counted as dropped');
    assert.equal((await settledCounts(rabbit)).ready, 10);
    assert.equal(await metricValue(producer, 'backpressure_items_dropped_total', { reason: 'drop_oldest' }), 20);
    // A lowered limit drops the excess heads at once (the in-memory queue sheds one per new item).
    await producer.post('/admin/config', { max_queue_size: 4 });
    await waitFor(async () => (await accounting(producer)).dropped === 26, 10_000, '6 more dropped');
    await assertBooksBalance(producer);
  });

  test('block: offers wait in line while the queue is full and publish once there is room; nothing is refused', async (t) => {
    const producer = await producerFor(t, { QUEUE_MODE: 'block', MAX_QUEUE_SIZE: '10' });
    const burst = producer.post('/produce', { count: 25 });
    await waitFor(async () => (await producer.get('/status')).queue.admission_waiting > 0, 5000, 'offers held back');
    // Before the producer's first depth poll the broker refuses what does not fit (its max-length),
    // each of the 15 once at most. After that, while the poll (every 100 ms) shows the queue full,
    // they wait in line instead of publishing into it again (broker-queue.ts). A blind retry every
    // second would add 30 refusals over the 2 s held full; a poll late by more than a second (a busy
    // machine) lets each waiter try once more, so fewer than 15 is the bound.
    await sleep(300);
    const refusedFirst = (await producer.get('/status')).backend.publish_nacks;
    assert.ok(refusedFirst <= 15, `refused before the first poll: ${refusedFirst}`);
    await sleep(2000);
    assert.equal(await readyCount(rabbit), 10, 'the queue at its limit while the offers wait');
    const refusedWhileFull = (await producer.get('/status')).backend.publish_nacks - refusedFirst;
    assert.ok(refusedWhileFull < 15, `publishes refused while the queue was held full for 2 s: ${refusedWhileFull}`);
    const consumer = await consumerFor(t, { PROCESSING_TIME_MS: '5' });
    const done = await burst;
    assert.equal(done.body.queued, 25);
    assert.equal(done.body.rejected, 0);
    await waitFor(async () => (await consumer.get('/status')).totals.processed === 25, 10_000, 'all 25 processed');
    const status = await producer.get('/status');
    assert.ok(status.admission.blocked_seconds >= 2, `blocked ${status.admission.blocked_seconds} s`);
    await assertBooksBalance(producer, consumer);
  });

  test('timeout: retried until enqueue_timeout_ms, then refused with reason timeout', async (t) => {
    const producer = await producerFor(t, { QUEUE_MODE: 'timeout', MAX_QUEUE_SIZE: '10', ENQUEUE_TIMEOUT_MS: '400' });
    await producer.post('/produce', { count: 10 });
    const started = performance.now();
    const job = await producer.post('/jobs', {});
    const waited = performance.now() - started;
    assert.equal(job.status, 429);
    assert.equal(job.body.reason, 'timeout');
    assert.ok(waited >= 390, `refused only after the wait: ${waited.toFixed(0)} ms`);
    // With room appearing during the wait (a consumer takes a second or so to start), the job gets in.
    await producer.post('/admin/config', { enqueue_timeout_ms: 20_000 });
    const pending = producer.post('/jobs', {});
    await sleep(50);
    await consumerFor(t, { PROCESSING_TIME_MS: '1' });
    assert.equal((await pending).status, 202);
    assert.equal((await accounting(producer)).rejected_by_reason.timeout, 1);
  });

  test('rate_limited: the token bucket before the publish slows the producer; nothing is refused', async (t) => {
    const producer = await producerFor(t, { QUEUE_MODE: 'rate_limited', RATE_LIMIT: '20', BURST: '5' });
    const started = performance.now();
    const burst = await producer.post('/produce', { count: 25 });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(burst.body.queued, 25);
    assert.ok(seconds >= 0.9, `20 tokens at 20/s after a burst of 5: ${seconds.toFixed(2)} s`);
    await assertBooksBalance(producer);
  });

  test("sample: above the high-water mark (the broker's depth) 1 in sample_rate is kept", async (t) => {
    const producer = await producerFor(t, { QUEUE_MODE: 'sample', SAMPLE_HIGH_WATER: '10', SAMPLE_RATE: '5', MAX_QUEUE_SIZE: '1000' });
    const burst = await producer.post('/produce', { count: 60 });
    // 10 below the mark, then 1 in 5 of the other 50. The depth is polled, so the mark may be seen a publish or two late.
    assert.ok(burst.body.queued >= 20 && burst.body.queued <= 24, `kept ${burst.body.queued}`);
    assert.equal(burst.body.sampled_out, 60 - burst.body.queued);
    await assertBooksBalance(producer);
  });

  test('adaptive: with nothing acked the drain rate is 0 and the limit is adaptive_min_size', async (t) => {
    const producer = await producerFor(t, { QUEUE_MODE: 'adaptive', ADAPTIVE_MIN_SIZE: '5', ADAPTIVE_MAX_SIZE: '50' });
    await producer.post('/produce', { count: 5 });
    await sleep(300); // a depth poll sees them
    const burst = await producer.post('/produce', { count: 20 });
    assert.equal(burst.body.queued, 0);
    const status = await producer.get('/status');
    assert.equal(status.accounting.rejected_by_reason.adaptive_limit, 20);
    assert.equal(status.backend.policy.definition['max-length'], 50, "adaptive_max_size is the broker's hard cap");
    await assertBooksBalance(producer);
  });

  test('max_item_age_ms: items older than the TTL are dead-lettered and counted as expired', async (t) => {
    const producer = await producerFor(t, { MAX_ITEM_AGE_MS: '300' });
    await producer.post('/produce', { count: 10 });
    await waitFor(async () => (await accounting(producer)).expired === 10, 10_000, '10 expired');
    assert.equal(await metricValue(producer, 'backpressure_items_expired_total'), 10);
    assert.equal((await settledCounts(rabbit)).ready, 0);
    await assertBooksBalance(producer);
  });

  test('max_queue_bytes: the broker refuses publishes beyond max-length-bytes', async (t) => {
    // Each message is ~260 bytes of JSON (100 B payload): 2,000 bytes hold 7.
    const producer = await producerFor(t, { MAX_QUEUE_BYTES: '2000' });
    const burst = await producer.post('/produce', { count: 20 });
    assert.ok(burst.body.queued >= 5 && burst.body.queued <= 9, `queued ${burst.body.queued}`);
    assert.equal(burst.body.rejected, 20 - burst.body.queued);
    await assertBooksBalance(producer);
  });

  test('max_attempts: a failing item is retried by the consumer, then dead-lettered and listed at GET /dead-letters', async (t) => {
    const producer = await producerFor(t, { MAX_ATTEMPTS: '3' });
    const consumer = await consumerFor(t, { FAILURE_RATE: '1', PROCESSING_TIME_MS: '1' });
    await producer.post('/produce', { count: 5 });
    await waitFor(async () => (await accounting(producer)).dead_lettered === 5, 10_000, '5 dead-lettered');
    const letters = await producer.get('/dead-letters');
    assert.equal(letters.total, 5);
    assert.ok(
      letters.items.every((l: any) => l.attempts === 3),
      JSON.stringify(letters.items[0]),
    );
    const c = await consumer.get('/status');
    assert.equal(c.broker.retried, 10, 'two retries per item');
    assert.equal(c.broker.gave_up, 5);
    assert.equal(c.totals.failed, 15);
    await assertBooksBalance(producer, consumer);
  });

  test('the consumer takes max_concurrency unacked items (its prefetch), re-applied when it changes; its concurrency holds', async (t) => {
    const producer = await producerFor(t);
    const consumer = await consumerFor(t, { PAUSED: 'true', MAX_CONCURRENCY: '2' });
    await producer.post('/produce', { count: 20 });
    await waitFor(async () => (await consumer.get('/status')).broker.holding === 2, 5000, 'holding 2');
    // A prefetch applies to a new subscription: the 2 held under the old one stay held until processed.
    await consumer.post('/admin/config', { max_concurrency: 5 });
    await waitFor(async () => (await consumer.get('/status')).broker.holding === 7, 5000, 'holding 2 + 5');
    assert.deepEqual(await settledCounts(rabbit), { ready: 13, unacked: 7 });
    await consumer.post('/admin/config', { max_concurrency: 1, paused: false, processing_time_ms: 1 });
    await waitFor(async () => (await consumer.get('/status')).totals.processed === 20, 10_000, 'all 20 processed');
    assert.equal((await consumer.get('/status')).totals.rejected_busy, 0, 'held beyond the new limit: waited, not refused');
    await assertBooksBalance(producer, consumer);
  });

  test('traces go through the broker: queue_wait (its time in RabbitMQ) and process_item are children of admission', async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    const producer = await producerFor(t, tracing);
    await producer.post('/produce', { count: 3 });
    await sleep(300); // they wait in RabbitMQ until a consumer comes
    await consumerFor(t, { ...tracing, PROCESSING_TIME_MS: '10' });
    const named = (name: string, traceId?: string) => receiver.spans.filter((s) => s.name === name && (!traceId || s.traceId === traceId));
    await waitFor(() => named('process_item').length >= 3 && named('admission').length >= 3, 10_000, 'three whole traces');
    for (const admission of named('admission')) {
      const [wait] = named('queue_wait', admission.traceId);
      const [process] = named('process_item', admission.traceId);
      assert.ok(wait && process, 'every trace whole');
      assert.equal(admission.service, 'producer');
      assert.equal(admission.parentSpanId, '', 'admission is the root');
      assert.equal(wait.service, 'consumer');
      assert.equal(wait.parentSpanId, admission.spanId);
      assert.equal(wait.attributes['queue.backend'], 'rabbitmq');
      assert.ok(wait.endMs - wait.startMs >= 250, `the wait covers the time in RabbitMQ: ${wait.endMs - wait.startMs} ms`);
      assert.equal(process.service, 'consumer');
      assert.equal(process.parentSpanId, admission.spanId);
      assert.equal(process.attributes['item.id'], admission.attributes['item.id']);
      assert.ok(process.startMs >= wait.endMs - 1, 'processing starts when the wait ends');
    }
    assert.equal(receiver.rejected.length, 0);
  });

  test("clear-queue purges the broker's queue; every purged item is counted as cleared", async (t) => {
    const producer = await producerFor(t);
    await producer.post('/produce', { count: 40 });
    const cleared = await producer.post('/admin/clear-queue', {});
    assert.equal(cleared.body.items_removed, 40);
    assert.equal((await accounting(producer)).cleared, 40);
    await assertBooksBalance(producer);
  });
});
