// Each queue mode's defining behaviour, time-compressed, against the real services.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertBalanced, type Lab, sleep, startLab, waitFor } from './helpers/services';

const status = (lab: Lab) => lab.producer.get('/status');

/** Starts a lab and stops it when the test ends. */
async function labFor(t: { after: (fn: () => Promise<void>) => void }, producer: Record<string, string>, consumer: Record<string, string>) {
  const lab = await startLab({ PAYLOAD_BYTES: '64', ...producer }, consumer);
  t.after(() => lab.stop());
  return lab;
}

test("block: never rejects, and the producer slows to the consumer's capacity", async (t) => {
  // capacity 2 × 1000 / 20 = 100/s against 300/s produced
  const lab = await labFor(t, { PRODUCTION_RATE: '300', QUEUE_MODE: 'block', MAX_QUEUE_SIZE: '50' }, { PROCESSING_TIME_MS: '20' });
  await sleep(1000);
  const a = await status(lab);
  await sleep(3000);
  const b = await status(lab);
  const producedPerSecond = (b.accounting.produced - a.accounting.produced) / 3;
  const sentPerSecond = (b.accounting.sent - a.accounting.sent) / 3;
  assert.equal(b.accounting.rejected, 0);
  // The producer runs at the consumer's pace (≤ 100/s), far below the 300/s it was asked for.
  assert.ok(producedPerSecond < 130, `produced ${producedPerSecond.toFixed(1)}/s of 300/s asked`);
  assert.ok(
    Math.abs(producedPerSecond - sentPerSecond) < 0.15 * sentPerSecond + 5,
    `produced ${producedPerSecond.toFixed(1)}/s ≈ sent ${sentPerSecond.toFixed(1)}/s`,
  );
  assert.ok(b.queue.size <= 50, `queue within its bound: ${b.queue.size}`);
  assert.ok(b.admission.blocked_seconds - a.admission.blocked_seconds > 1.5, 'the generator spent most of the time blocked');
  assertBalanced(b);
});

test('timeout: a job waits enqueue_timeout_ms for room, then gets 429 with reason timeout', async (t) => {
  const lab = await labFor(
    t,
    { PRODUCTION_RATE: '0', QUEUE_MODE: 'timeout', MAX_QUEUE_SIZE: '10', ENQUEUE_TIMEOUT_MS: '400' },
    { PAUSED: 'true' },
  );
  await lab.producer.post('/produce', { count: 12 }); // 10 queued + 2 held by the senders
  await waitFor(async () => (await status(lab)).queue.size === 10, 5000, 'a full queue');
  const t0 = performance.now();
  const refused = await lab.producer.post('/jobs', {});
  const waited = performance.now() - t0;
  assert.equal(refused.status, 429);
  assert.equal(refused.body.reason, 'timeout');
  assert.ok(waited >= 390, `refused only after the wait: ${waited.toFixed(0)} ms`);
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  // With room appearing during the wait, the job gets in.
  const pending = lab.producer.post('/jobs', {});
  await sleep(100);
  await lab.consumer.post('/admin/resume');
  assert.equal((await pending).status, 202);
  const s = await status(lab);
  assert.equal(s.accounting.rejected_by_reason.timeout, 1);
  assertBalanced(s);
});

test('bounded + drop_oldest: the newest items stay, the oldest are dropped and counted', async (t) => {
  const lab = await labFor(
    t,
    { PRODUCTION_RATE: '0', QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '10', OVERFLOW: 'drop_oldest', SENDER_CONCURRENCY: '1' },
    { PAUSED: 'true' },
  );
  const first = await lab.producer.post('/jobs', {}); // taken by the sender, held by the paused consumer
  await waitFor(async () => (await lab.producer.get(`/jobs/${first.body.id}`)).state === 'processing', 5000, 'first job in flight');
  const ids: string[] = [];
  for (let i = 0; i < 15; i++) ids.push((await lab.producer.post('/jobs', {})).body.id);
  const states = await Promise.all(ids.map(async (id) => (await lab.producer.get(`/jobs/${id}`)).state));
  assert.deepEqual(states.slice(0, 5), Array(5).fill('failed'), 'the 5 oldest were evicted');
  assert.deepEqual(states.slice(5), Array(10).fill('queued'), 'the 10 newest are queued');
  const s = await status(lab);
  assert.equal(s.queue.size, 10);
  assert.equal(s.accounting.dropped, 5);
  assert.equal(s.accounting.rejected, 0);
  assertBalanced(s);
});

test('sample: above the high-water mark exactly 1 in sample_rate items is kept', async (t) => {
  const lab = await labFor(
    t,
    {
      PRODUCTION_RATE: '0',
      QUEUE_MODE: 'sample',
      SAMPLE_HIGH_WATER: '20',
      SAMPLE_RATE: '5',
      MAX_QUEUE_SIZE: '1000',
      SENDER_CONCURRENCY: '1',
    },
    { PAUSED: 'true' },
  );
  await lab.producer.post('/produce', { count: 1 }); // the sender takes it and waits on the paused consumer
  await waitFor(async () => (await status(lab)).accounting.in_flight === 1, 5000, 'one item in flight');
  const burst = await lab.producer.post('/produce', { count: 520 });
  assert.equal(burst.body.queued, 20 + 100); // 20 below the mark, then 500 / 5
  assert.equal(burst.body.sampled_out, 400);
  const s = await status(lab);
  assert.equal(s.queue.size, 120);
  assert.equal(s.accounting.sampled_out, 400);
  assertBalanced(s);
});

test('adaptive: the limit follows the consumer — shrinks after a slow-down, recovers after a speed-up', async (t) => {
  // capacity 2 × 1000 / 10 = 200/s; target 500 ms → limit ≈ 100. Slowed ×5: 40/s → limit ≈ 20.
  const lab = await labFor(
    t,
    { PRODUCTION_RATE: '400', QUEUE_MODE: 'adaptive', TARGET_LATENCY_MS: '500', ADAPTIVE_MIN_SIZE: '5', ADAPTIVE_MAX_SIZE: '1000' },
    { PROCESSING_TIME_MS: '10' },
  );
  const fast = await waitFor(
    async () => {
      const l = (await status(lab)).queue.limit;
      return l >= 70 && l <= 115 ? l : 0;
    },
    8000,
    'limit near 100 at full speed',
  );
  await lab.consumer.post('/admin/slow-down', { factor: 5 });
  const t0 = Date.now();
  const slow = await waitFor(
    async () => {
      const l = (await status(lab)).queue.limit;
      return l <= 26 ? l : 0;
    },
    5000,
    'limit near 20 after the slow-down',
  );
  const shrinkSeconds = (Date.now() - t0) / 1000;
  const during = await status(lab);
  assert.ok(during.queue.size <= fast + 5, 'the queue is not allowed to grow past the old limit');
  assert.ok(during.accounting.rejected_by_reason.adaptive_limit > 0);
  await lab.consumer.post('/admin/speed-up', { factor: 5 });
  await waitFor(async () => (await status(lab)).queue.limit >= 70, 8000, 'limit back near 100 after the speed-up');
  t.diagnostic(`limit ${fast} → ${slow} in ${shrinkSeconds.toFixed(1)} s`);
  assertBalanced(await status(lab));
});

test('priority: high-priority jobs overtake normal ones already waiting', async (t) => {
  const lab = await labFor(
    t,
    { PRODUCTION_RATE: '0', SENDER_CONCURRENCY: '1' },
    { PAUSED: 'true', MAX_CONCURRENCY: '1', PROCESSING_TIME_MS: '5' },
  );
  const normal: string[] = [];
  for (let i = 0; i < 10; i++) normal.push((await lab.producer.post('/jobs', { priority: 'normal' })).body.id);
  const high: string[] = [];
  for (let i = 0; i < 3; i++) high.push((await lab.producer.post('/jobs', { priority: 'high' })).body.id);
  assert.deepEqual((await status(lab)).backend.by_priority, { high: 3, normal: 9 }); // one normal is in flight
  await lab.consumer.post('/admin/resume');
  await waitFor(async () => (await status(lab)).accounting.sent === 13, 10_000, 'all jobs done');
  const finished = async (id: string) => Date.parse((await lab.producer.get(`/jobs/${id}`)).finished_at);
  const lastHigh = Math.max(...(await Promise.all(high.map(finished))));
  const waitingNormal = await Promise.all(normal.slice(1).map(finished));
  assert.ok(
    waitingNormal.every((at) => at >= lastHigh),
    'every waiting normal job finished after the high ones',
  );
});
