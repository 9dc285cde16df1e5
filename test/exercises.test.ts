// Seed 002's Exercises 1, 2, 4, 5 and 6, time-compressed ×10: the consumer takes 10 ms per item
// instead of 100 and the producer makes 100 items/s instead of 10, so every ratio is the lab's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertBalanced, sleep, startLab, waitFor, type Lab } from './helpers/services';

let lab: Lab;
const status = () => lab.producer.get('/status');

/**
 * The 90th percentile of queue samples. Time-compressed ×10, a 300 ms CPU stall of this shared
 * machine (another test starting a service) piles up 30 items at once — 3 in the real lab — so a
 * single spike says nothing about whether the queue is stable; nine samples in ten do.
 */
function p90(sizes: number[]): number {
  return [...sizes].sort((a, b) => a - b)[Math.floor(sizes.length * 0.9)]!;
}

/** Samples the producer's queue size every 100 ms for `ms`. */
async function sampleQueue(ms: number): Promise<number[]> {
  const sizes: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    sizes.push((await status()).queue.size);
    await sleep(100);
  }
  return sizes;
}

before(async () => {
  lab = await startLab({ PRODUCTION_RATE: '100', PAYLOAD_BYTES: '1024' }, { PROCESSING_TIME_MS: '10' });
});
after(() => lab.stop());

test('Exercise 1: a balanced system keeps the queue small and stable', async () => {
  await sleep(500);
  const sizes = await sampleQueue(3000);
  assert.ok(p90(sizes) < 20, `queue stayed under 20: 90th percentile ${p90(sizes)}, max ${Math.max(...sizes)}`);
  const s = await status();
  assert.ok(s.accounting.sent > 300, `items flowed: ${s.accounting.sent} sent`);
  assertBalanced(s);
});

test('Exercise 2: slowing the consumer ×5 makes the queue grow at production − capacity', async () => {
  const slowed = await lab.consumer.post('/admin/slow-down', { factor: 5 });
  assert.equal(slowed.status, 200);
  assert.equal(slowed.body.processing_time_ms, 50);
  assert.equal(slowed.body.effective_max_throughput_per_s, 40); // 2 × 1000 / 50
  await sleep(500);
  const t0 = Date.now();
  const first = (await status()).queue.size;
  await sleep(3000);
  const last = (await status()).queue.size;
  const growthPerSecond = (last - first) / ((Date.now() - t0) / 1000);
  // 100 produced − 40 processed = 60 items/s (the README's 10 − 4 = 6 items/s, ×10).
  assert.ok(growthPerSecond > 48 && growthPerSecond < 72, `queue grew ${growthPerSecond.toFixed(1)} items/s, expected ~60`);
  const s = await status();
  assert.ok(s.queue.memory_bytes > last * 1024, 'memory estimate follows the queue');
  assertBalanced(s);
});

test('Exercise 4: a bounded queue plateaus at max_queue_size and rejects the rest', async () => {
  assert.equal((await lab.producer.post('/admin/clear-queue')).status, 200);
  const switched = await lab.producer.post('/admin/config', { queue_mode: 'bounded', max_queue_size: 100 });
  assert.equal(switched.status, 200);
  await waitFor(async () => (await status()).queue.size >= 100, 10_000, 'queue to fill to 100');
  const before = (await status()).accounting.rejected;
  const sizes = await sampleQueue(2000);
  const s = await status();
  assert.ok(Math.max(...sizes) <= 100, `never above 100: max ${Math.max(...sizes)}`);
  assert.ok(Math.min(...sizes) >= 90, `stays near 100: min ${Math.min(...sizes)}`);
  assert.equal(s.queue.mode, 'bounded');
  assert.equal(s.queue.max_size, 100);
  assert.ok(s.accounting.rejected - before > 80, `rejections keep counting: +${s.accounting.rejected - before} in 2 s`);
  assert.ok(s.accounting.rejected_by_reason.queue_full > 0);
  assertBalanced(s);
});

test('Exercise 5: rate limiting below capacity keeps the queue small with zero rejections', async () => {
  await lab.producer.post('/admin/clear-queue');
  const switched = await lab.producer.post('/admin/config', { queue_mode: 'rate_limited', rate_limit: 20 });
  assert.equal(switched.status, 200);
  const before = await status();
  const sizes = await sampleQueue(3000);
  const s = await status();
  assert.ok(Math.max(...sizes) <= 10, `queue stays small: max ${Math.max(...sizes)}`);
  assert.equal(s.accounting.rejected, before.accounting.rejected, 'no new rejections');
  const producedPerSecond = (s.accounting.produced - before.accounting.produced) / 3;
  assert.ok(producedPerSecond > 14 && producedPerSecond < 26, `producer throttled to ~20/s: ${producedPerSecond}`);
  assert.ok(s.admission.rate_limit_delays > 0, 'the producer waited for tokens');
  assertBalanced(s);
});

test('Exercise 6: reset — the consumer at full speed drains the queue and the system recovers', async () => {
  const reset = await lab.consumer.post('/admin/config', { processing_time_ms: 10 });
  assert.equal(reset.status, 200);
  await lab.producer.post('/admin/clear-queue');
  await lab.producer.post('/admin/config', { queue_mode: 'unbounded', production_rate: 100 });
  await sleep(500);
  const sizes = await sampleQueue(2000);
  assert.ok(p90(sizes) < 20, `stable again: 90th percentile ${p90(sizes)}, max ${Math.max(...sizes)}`);
  const consumer = await lab.consumer.get('/status');
  assert.equal(consumer.processing.time_ms, 10);
  assertBalanced(await status());
});
