// POST /admin/dead-letters/replay on the in-memory queue (the broker's is in broker-parity.test.ts):
// given-up items go back to the queue, oldest first, as many as the mode's hard limit has room
// for, each counted as replayed, so that produced + replayed = everything else; a replayed job
// ends done. Bad input is a 400 naming the field and changes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertBalanced, metricValue, startLab, waitFor } from './helpers/services';

test('given-up items are replayed onto the in-memory queue, counted, within the queue limit', async (t) => {
  const lab = await startLab(
    { PRODUCTION_RATE: '0', MAX_ATTEMPTS: '2', QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '3', RETRY_BASE_MS: '10' },
    { FAILURE_RATE: '1', PROCESSING_TIME_MS: '1' },
  );
  t.after(() => lab.stop());
  const { producer, consumer } = lab;
  const job = (await producer.post('/jobs', {})).body.id as string;
  await producer.post('/produce', { count: 2 });
  await waitFor(async () => (await producer.get('/status')).accounting.dead_lettered === 3, 20_000, '3 given up');
  assert.equal((await producer.get(`/jobs/${job}`)).state, 'failed');
  const listed = await producer.get('/dead-letters');
  assert.deepEqual([listed.total, listed.order, listed.items.length], [3, 'newest_first', 3]);

  for (const body of [{ limit: 0 }, { limit: 'all' }, { limit: 20_000 }, { limt: 1 }]) {
    const res = await producer.post('/admin/dead-letters/replay', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(res.body.field, /^lim/);
  }
  assert.equal((await producer.get('/status')).accounting.replayed, 0, 'bad input changed nothing');

  // The consumer paused: the queue fills up to its limit of 3, then the replay stops.
  await consumer.post('/admin/config', { failure_rate: 0 });
  await consumer.post('/admin/pause');
  await producer.post('/produce', { count: 1 });
  const first = await producer.post('/admin/dead-letters/replay', { limit: 10 });
  assert.equal(first.status, 200);
  // One item may already be with the paused consumer (a sender holds it): room for 2 or 3.
  assert.ok(first.body.replayed >= 2, JSON.stringify(first.body));
  assert.equal(first.body.stopped, 'queue_full');
  assert.equal(first.body.left, 3 - first.body.replayed);
  assertBalanced(await producer.get('/status'));
  await consumer.post('/admin/resume');
  await waitFor(async () => (await producer.get('/status')).queue.size === 0, 10_000, 'the queue drained');
  const rest = await producer.post('/admin/dead-letters/replay', {});
  assert.deepEqual([rest.body.replayed + first.body.replayed, rest.body.stopped, rest.body.left], [3, 'empty', 0]);

  const done = await waitFor(
    async () => {
      const s = await producer.get('/status');
      return s.accounting.sent === 4 && s.backend.in_flight === 0 ? s : undefined;
    },
    10_000,
    'the replayed 3 and the 1 new sent',
  );
  assert.equal(done.accounting.replayed, 3);
  assert.equal(done.accounting.dead_lettered, 3, 'given up once, counted once');
  assertBalanced(done); // produced 4 + replayed 3 = sent 4 + dead_lettered 3
  assert.equal(await metricValue(producer, 'backpressure_items_replayed_total'), 3);
  assert.equal((await producer.get(`/jobs/${job}`)).state, 'done', 'the replayed job ended done');
  assert.equal((await producer.get('/dead-letters')).total, 0);
});
