// The queue's own limits on the in-memory backend, as RabbitMQ has them through its policy
// (broker-modes.test.ts): max_item_age_ms (an item that waited longer is never sent; it is
// counted as expired) and max_queue_bytes (a bound on the queue's estimated bytes; an item over
// it is refused with reason queue_bytes, or waits for room under block).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LATENCY_BUCKETS } from '../common/src/latency-buckets';
import { ITEM_OVERHEAD_BYTES } from '../producer/src/item';
import { assertBalanced, metricValue, startLab, waitFor, waitSettled } from './helpers/services';

test('max_item_age_ms: items that waited longer are not sent; they are counted as expired', async (t) => {
  // One sender, a consumer that takes 100 ms an item: within the 500 ms deadline about 5 of the
  // 100 items can be sent, the rest outlive it in the queue.
  const lab = await startLab(
    { PRODUCTION_RATE: '0', SENDER_CONCURRENCY: '1', MAX_ITEM_AGE_MS: '500' },
    { PROCESSING_TIME_MS: '100', MAX_CONCURRENCY: '1' },
  );
  t.after(() => lab.stop());
  const burst = await lab.producer.post('/produce', { count: 100 });
  assert.equal(burst.body.queued, 100);
  const done = await waitSettled(lab.producer, 15_000);
  const a = done.accounting;
  assertBalanced(done);
  assert.equal(a.sent + a.expired, 100, JSON.stringify(a));
  assert.ok(a.sent >= 1 && a.sent <= 8, `sent ${a.sent}: at most ~500 ms / 100 ms per item, plus slack`);
  assert.equal(await metricValue(lab.producer, 'backpressure_items_expired_total'), a.expired);
  // The consumer's own count: it processed exactly what was sent, none of the expired ones.
  const consumer = await lab.consumer.get('/status');
  assert.equal(consumer.totals.processed, a.sent);
  // And none of them had waited much past the deadline (its queue wait: creation → processing).
  const waited = await metricValue(lab.consumer, 'backpressure_queue_wait_seconds_count');
  // The first bucket bound at or above 1 s (the buckets are 1 ms × 1.25^k: 1.01 s).
  const bound = LATENCY_BUCKETS.find((b) => b >= 1);
  const withinDeadline = await metricValue(lab.consumer, 'backpressure_queue_wait_seconds_bucket', { le: String(bound) });
  assert.equal(withinDeadline, waited, `${waited - withinDeadline} processed items had waited over ${bound} s`);
  assert.deepEqual(done.backend.limits, { max_item_age_ms: 500 });
  t.diagnostic(
    `100 queued: sent ${a.sent}, expired ${a.expired}; consumer processed ${consumer.totals.processed}, ${withinDeadline}/${waited} waited ≤ 1 s`,
  );
});

test('max_item_age_ms: with no sender taking items, they still expire at the head', async (t) => {
  // A paused consumer holds the one item a sender took; the others expire in the queue by the sweep.
  const lab = await startLab({ PRODUCTION_RATE: '0', SENDER_CONCURRENCY: '1', MAX_ITEM_AGE_MS: '300' }, { PAUSED: 'true' });
  t.after(() => lab.stop());
  await lab.producer.post('/produce', { count: 20 });
  const s = await waitFor(
    async () => {
      const status = await lab.producer.get('/status');
      return status.accounting.expired === 19 && status;
    },
    5000,
    '19 expired while 1 is in flight',
  );
  assert.equal(s.queue.size, 0);
  assert.equal(s.accounting.in_flight, 1);
  assertBalanced(s);
  const job = await lab.producer.post('/jobs', {});
  const failed = await waitFor(
    async () => {
      const state = await lab.producer.get(`/jobs/${job.body.id}`);
      return state.state === 'failed' && state;
    },
    5000,
    'the job failed as expired',
  );
  assert.match(failed.error, /expired/);
});

test('max_queue_bytes: the queue holds at most that many estimated bytes; more is refused as queue_bytes', async (t) => {
  const itemBytes = ITEM_OVERHEAD_BYTES + 1000; // the queue's estimate for a 1000-byte payload (item.ts)
  const lab = await startLab({ PRODUCTION_RATE: '0', PAYLOAD_BYTES: '1000', MAX_QUEUE_BYTES: String(10 * itemBytes) }, { PAUSED: 'true' });
  t.after(() => lab.stop());
  // The burst is decided before any sender runs (admission is synchronous here): 10 fit.
  const burst = await lab.producer.post('/produce', { count: 30 });
  assert.equal(burst.body.queued, 10, JSON.stringify(burst.body));
  assert.equal(burst.body.rejected, 20);
  const s = await lab.producer.get('/status');
  assert.equal(s.accounting.rejected_by_reason.queue_bytes, 20);
  assert.equal(await metricValue(lab.producer, 'backpressure_items_rejected_total', { reason: 'queue_bytes' }), 20);
  assert.ok(s.queue.memory_bytes <= 10 * itemBytes, `queue holds ${s.queue.memory_bytes} B`);
  assert.equal(s.queue.memory_bytes, (s.queue.size as number) * itemBytes);
  assert.deepEqual(s.backend.limits, { max_bytes: 10 * itemBytes });
  assertBalanced(s);
  t.diagnostic(
    `30 offered against ${10 * itemBytes} B: queued ${burst.body.queued}, refused ${burst.body.rejected} (queue_bytes), queue ${s.queue.memory_bytes} B`,
  );
  // A job over the bound gets the same answer as one over max_queue_size: 429 with the reason.
  const job = await lab.producer.post('/jobs', { data: 'x'.repeat(5000) });
  assert.equal(job.status, 429);
  assert.equal(job.body.reason, 'queue_bytes');
});

test('max_queue_bytes under block: an offer over the bound waits for room instead of being refused', async (t) => {
  const itemBytes = ITEM_OVERHEAD_BYTES + 1000;
  const lab = await startLab(
    { PRODUCTION_RATE: '0', PAYLOAD_BYTES: '1000', QUEUE_MODE: 'block', MAX_QUEUE_SIZE: '1000', MAX_QUEUE_BYTES: String(3 * itemBytes) },
    { PROCESSING_TIME_MS: '50' },
  );
  t.after(() => lab.stop());
  const burst = await lab.producer.post('/produce', { count: 20 });
  assert.equal(burst.body.queued, 20);
  assert.equal(burst.body.rejected, 0);
  const done = await waitSettled(lab.producer, 15_000);
  assert.equal(done.accounting.sent, 20);
  assert.ok(done.admission.blocked_seconds > 0, 'offers waited for room');
  assertBalanced(done);
});
