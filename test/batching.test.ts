// Batched dispatch (send_batch_size > 1): many items per POST /process-batch, each still
// processed, retried, dead-lettered and counted on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertBalanced, freePort, startLab, startService, waitFor, waitSettled } from './helpers/services';

test('POST /process-batch answers for each item in order, and a bad batch processes nothing', async (t) => {
  const consumer = await startService('consumer', { PROCESSING_TIME_MS: '5', MAX_CONCURRENCY: '3' });
  t.after(() => consumer.stop());
  const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, created_at: Date.now() }));
  const answer = await consumer.post('/process-batch', { items });
  assert.equal(answer.status, 200);
  assert.deepEqual(
    answer.body.results.map((r: { id: string }) => r.id),
    ['a', 'b', 'c', 'd', 'e'],
  );
  assert.deepEqual(
    answer.body.results.map((r: { status: string }) => r.status),
    ['processed', 'processed', 'processed', 'busy', 'busy'],
  );
  assert.equal(answer.headers.get('retry-after'), '1', 'busy items come with Retry-After');
  const bad = await consumer.post('/process-batch', { items: [...items, { id: 'f' }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'items.5.created_at');
  const s = await consumer.get('/status');
  assert.deepEqual(s.totals, { processed: 3, failed: 0, rejected_busy: 2 });
});

test('batches deliver every item once, jobs finish, and no batch outgrows the 64 KB body limit', async (t) => {
  const lab = await startLab(
    { PRODUCTION_RATE: '0', PAYLOAD_BYTES: '1024', SEND_BATCH_SIZE: '1000', SENDER_CONCURRENCY: '4' },
    { PROCESSING_TIME_MS: '1', MAX_CONCURRENCY: '1000' },
  );
  t.after(() => lab.stop());
  const burst = await lab.producer.post('/produce', { count: 3000 });
  assert.equal(burst.body.queued, 3000);
  const job = await lab.producer.post('/jobs', { data: { n: 1 } });
  assert.equal(job.status, 202);
  const done = await waitSettled(lab.producer, 20_000);
  assert.equal(done.accounting.sent, 3001);
  assert.equal(done.backend.retries, 0, 'no request was refused (a 413 would be retried)');
  assert.equal((await lab.consumer.get('/status')).totals.processed, 3001);
  assert.equal((await lab.producer.get(`/jobs/${job.body.id}`)).state, 'done');
  assertBalanced(done);
});

test('failed items of a batch are retried on their own and dead-lettered after max_attempts', async (t) => {
  const lab = await startLab(
    {
      PRODUCTION_RATE: '0',
      SEND_BATCH_SIZE: '25',
      MAX_ATTEMPTS: '3',
      RETRY_BASE_MS: '5',
      RETRY_MAX_MS: '50',
      BREAKER_FAILURE_THRESHOLD: '1000',
    },
    { PROCESSING_TIME_MS: '2', FAILURE_RATE: '0.5', MAX_CONCURRENCY: '100' },
  );
  t.after(() => lab.stop());
  await lab.producer.post('/produce', { count: 400 });
  const done = await waitSettled(lab.producer, 30_000);
  const a = done.accounting;
  assert.equal(a.sent + a.dead_lettered, 400);
  // P(dead) = 0.5³ = 12.5% → about 50 of 400; about 0.5 + 0.25 retries per item.
  assert.ok(a.dead_lettered > 20 && a.dead_lettered < 90, `dead-lettered ${a.dead_lettered}`);
  assert.ok(done.backend.retries >= 250 && done.backend.retries <= 350, `retries ${done.backend.retries}`);
  const listed = await lab.producer.get('/dead-letters?limit=1000');
  assert.equal(listed.items.length, a.dead_lettered);
  assert.ok(listed.items.every((d: { attempts: number }) => d.attempts === 3));
  assert.equal((await lab.consumer.get('/status')).totals.processed, a.sent);
  assertBalanced(done);
});

test('items a batch finds the consumer busy for are retried without using up attempts', async (t) => {
  const lab = await startLab(
    { PRODUCTION_RATE: '0', SEND_BATCH_SIZE: '20', SENDER_CONCURRENCY: '1', MAX_ATTEMPTS: '1' },
    { PROCESSING_TIME_MS: '20', MAX_CONCURRENCY: '10' },
  );
  t.after(() => lab.stop());
  await lab.producer.post('/produce', { count: 40 });
  const done = await waitSettled(lab.producer, 20_000);
  assert.equal(done.accounting.dead_lettered, 0, 'max_attempts 1: any attempt used up would dead-letter');
  assert.equal(done.accounting.sent, 40);
  assert.ok(done.backend.retries >= 10, `busy items were retried: ${done.backend.retries}`);
  const consumer = await lab.consumer.get('/status');
  assert.equal(consumer.totals.processed, 40);
  assert.equal(consumer.totals.rejected_busy, done.backend.retries);
  assertBalanced(done);
});

test('with batching on, an item too large to share a batch still goes alone to /process and arrives', async (t) => {
  const lab = await startLab(
    { PRODUCTION_RATE: '0', PAYLOAD_BYTES: '200000', SEND_BATCH_SIZE: '10', MAX_ATTEMPTS: '1' },
    { PROCESSING_TIME_MS: '1' },
  );
  t.after(() => lab.stop());
  await lab.producer.post('/produce', { count: 5 });
  const done = await waitSettled(lab.producer, 20_000);
  assert.equal(done.accounting.dead_lettered, 0);
  assert.equal(done.accounting.sent, 5);
  assert.equal((await lab.consumer.get('/status')).totals.processed, 5);
  assertBalanced(done);
});

test('a batch whose request fails counts as one failure for the breaker, not one per item', async (t) => {
  const producer = await startService('producer', {
    CONSUMER_URL: `http://127.0.0.1:${await freePort()}`, // nothing listens: the request fails
    PRODUCTION_RATE: '0',
    SEND_BATCH_SIZE: '10',
    SENDER_CONCURRENCY: '1',
    BREAKER_FAILURE_THRESHOLD: '5',
    RETRY_BASE_MS: '5000',
    RETRY_MAX_MS: '5000',
  });
  t.after(() => producer.stop());
  assert.equal((await producer.post('/produce', { count: 10 })).body.queued, 10);
  const s = await waitFor(
    async () => {
      const status = await producer.get('/status');
      return status.backend.retries >= 10 && status;
    },
    10_000,
    'the first batch of 10 to fail',
  );
  const breaker = s.backend.breaker;
  assert.equal(breaker.times_opened, 0, `one failed request of 10 items must not open a breaker of 5: ${JSON.stringify(breaker)}`);
  assert.ok(breaker.consecutive_failures >= 1 && breaker.consecutive_failures < 5, JSON.stringify(breaker));
});
