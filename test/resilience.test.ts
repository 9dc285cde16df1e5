// The dispatcher when the consumer misbehaves: retries, the circuit breaker, dead letters, and
// nothing lost uncounted; and mode switches under load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertBalanced, freePort, sleep, startLab, startService, waitFor, waitSettled } from './helpers/services';

test('consumer killed for a few seconds: the breaker opens, then closes, and the queue drains with nothing lost', async (t) => {
  const port = await freePort();
  const consumerEnv = { PORT: String(port), PROCESSING_TIME_MS: '10' };
  let consumer = await startService('consumer', consumerEnv);
  const producer = await startService('producer', {
    CONSUMER_URL: consumer.url,
    PRODUCTION_RATE: '50',
    PAYLOAD_BYTES: '64',
    BREAKER_RESET_MS: '500',
  });
  t.after(async () => {
    await producer.stop();
    await consumer.stop();
  });
  await sleep(500);
  await consumer.stop('SIGKILL');
  const open = await waitFor(
    async () => {
      const s = await producer.get('/status');
      return s.backend.breaker.state === 'open' ? s : undefined;
    },
    5000,
    'breaker open',
  );
  assert.ok(open.backend.breaker.times_opened >= 1);
  assert.equal((await fetch(`${producer.url}/health/ready`)).status, 503);
  await sleep(2000);
  consumer = await startService('consumer', consumerEnv);
  await waitFor(async () => (await producer.get('/status')).backend.breaker.state === 'closed', 5000, 'breaker closed');
  await producer.post('/admin/config', { production_rate: 0 });
  const drained = await waitSettled(producer, 15_000, 'queue drained');
  assert.equal(drained.accounting.dead_lettered, 0, 'an unreachable consumer uses up no attempts');
  assert.equal(drained.accounting.sent, drained.accounting.produced, 'every item was delivered');
  assert.ok(drained.backend.retries > 0);
  assertBalanced(drained);
});

test('consumer failing 50% of requests: every item is delivered or dead-lettered, and counted', async (t) => {
  const lab = await startLab(
    { PRODUCTION_RATE: '0', MAX_ATTEMPTS: '3', RETRY_BASE_MS: '5', RETRY_MAX_MS: '50', BREAKER_FAILURE_THRESHOLD: '1000' },
    { PROCESSING_TIME_MS: '2', FAILURE_RATE: '0.5', MAX_CONCURRENCY: '4' },
  );
  t.after(() => lab.stop());
  await lab.producer.post('/produce', { count: 400 });
  const done = await waitSettled(lab.producer, 30_000, 'all items settled');
  const a = done.accounting;
  assert.equal(a.sent + a.dead_lettered, 400);
  // P(dead) = 0.5³ = 12.5% → about 50 of 400.
  assert.ok(a.dead_lettered > 20 && a.dead_lettered < 90, `dead-lettered ${a.dead_lettered}`);
  assert.ok(
    done.backend.retries >= 250, // expected 0.5 + 0.25 per item = 300
    `retries ${done.backend.retries}`,
  );
  const listed = await lab.producer.get('/dead-letters?limit=1000');
  assert.equal(listed.total, a.dead_lettered);
  assert.equal(listed.items.length, a.dead_lettered);
  assert.equal(listed.items[0].attempts, 3);
  assert.match(listed.items[0].last_error, /500/);
  const consumer = await lab.consumer.get('/status');
  assert.equal(consumer.totals.processed, a.sent);
  assertBalanced(done);
});

test('switching between every mode under load never loses an item uncounted', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '300', PAYLOAD_BYTES: '64', MAX_QUEUE_SIZE: '50' }, { PROCESSING_TIME_MS: '20' });
  t.after(() => lab.stop());
  const modes = ['bounded', 'block', 'rate_limited', 'timeout', 'sample', 'adaptive', 'unbounded'];
  const jobs = (async () => {
    for (let i = 0; i < 60; i++) {
      await Promise.all(Array.from({ length: 5 }, () => lab.producer.post('/jobs', { priority: i % 2 ? 'high' : 'normal' })));
      await sleep(40);
    }
  })();
  for (let round = 0; round < 2; round++) {
    for (const mode of modes) {
      const switched = await lab.producer.post('/admin/config', { queue_mode: mode, overflow: round ? 'drop_oldest' : 'reject' });
      assert.equal(switched.status, 200);
      await sleep(250);
      assertBalanced(await lab.producer.get('/status'));
    }
  }
  await jobs;
  await lab.producer.post('/admin/config', { production_rate: 0, queue_mode: 'unbounded' });
  const settled = await waitSettled(lab.producer, 40_000, 'everything settled');
  const a = settled.accounting;
  assert.equal(a.produced, a.sent + a.rejected + a.dropped + a.sampled_out + a.cleared + a.dead_lettered);
  const consumer = await lab.consumer.get('/status');
  assert.equal(consumer.totals.processed, a.sent, 'the consumer processed exactly what the producer counts as sent');
  assertBalanced(settled);
});
