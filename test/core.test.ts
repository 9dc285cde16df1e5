// The core lab's promises that are not an exercise: the consumer's concurrency limit, a huge
// burst that does not freeze the producer, clear-queue, and start-up validation of the env.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { startProcess } from './helpers/process';
import { assertBalanced, startLab, startService, waitFor } from './helpers/services';

test('the consumer answers 429 with Retry-After beyond max_concurrency', async (t) => {
  const consumer = await startService('consumer', { MAX_CONCURRENCY: '1', PROCESSING_TIME_MS: '400' });
  t.after(() => consumer.stop());
  const item = (id: string) => ({ id, created_at: Date.now() });
  const answers = await Promise.all(['a', 'b', 'c'].map((id) => consumer.post('/process', item(id))));
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [200, 429, 429]);
  for (const a of answers.filter((a) => a.status === 429)) assert.equal(a.headers.get('retry-after'), '1');
  const s = await consumer.get('/status');
  assert.equal(s.totals.processed, 1);
  assert.equal(s.totals.rejected_busy, 2);
  assert.equal(s.effective_max_throughput_per_s, 2.5); // 1 × 1000 / 400
});

test('POST /produce of 1,000,000 items does not freeze /status, and clear-queue counts them', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0', PAYLOAD_BYTES: '0' }, { PAUSED: 'true' });
  t.after(() => lab.stop());
  const burstStarted = performance.now();
  const burst = lab.producer.post('/produce', { count: 1_000_000 });
  let done = false;
  void burst.then(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    const t0 = performance.now();
    await lab.producer.get('/status');
    latencies.push(performance.now() - t0);
  }
  const result = await burst;
  const burstMs = performance.now() - burstStarted;
  assert.equal(result.status, 200);
  assert.equal(result.body.queued, 1_000_000);
  // A frozen event loop answers once, after the whole burst. Relative bounds hold on a busy
  // machine too; `npm run bench` (figure responsiveness) measures the milliseconds.
  assert.ok(latencies.length >= 5, `/status answered ${latencies.length} times during the burst`);
  const slowest = Math.max(...latencies);
  assert.ok(slowest < burstMs / 4, `slowest /status ${slowest.toFixed(0)} ms of a ${burstMs.toFixed(0)} ms burst`);
  const s = await lab.producer.get('/status');
  assert.ok(s.queue.size >= 999_990, `queued: ${s.queue.size}`); // a sender holds a few (consumer paused)
  const cleared = await lab.producer.post('/admin/clear-queue');
  assert.equal(cleared.body.items_removed, s.queue.size);
  const after = await lab.producer.get('/status');
  // Only what the senders held at the clear can be back (the paused consumer refused it, so it is
  // retried): at most 2, one item each for sender_concurrency's default of 2.
  assert.ok(after.queue.size <= 2, `queued after the clear: ${after.queue.size}`);
  assert.equal(after.accounting.cleared, cleared.body.items_removed);
  assertBalanced(after);
});

test('lowering max_queue_size never discards queued items: the queue drains down', async (t) => {
  const lab = await startLab(
    { PRODUCTION_RATE: '200', PAYLOAD_BYTES: '0', QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '300' },
    { PROCESSING_TIME_MS: '20' },
  );
  t.after(() => lab.stop());
  await waitFor(async () => (await lab.producer.get('/status')).queue.size >= 250, 10_000, 'queue to fill');
  await lab.producer.post('/admin/config', { max_queue_size: 50, production_rate: 50 });
  const s = await lab.producer.get('/status');
  assert.ok(s.queue.size >= 200, `nothing was thrown away: ${s.queue.size} still queued`);
  assert.equal(s.accounting.cleared + s.accounting.dropped, 0);
  await waitFor(async () => (await lab.producer.get('/status')).queue.size <= 50, 15_000, 'queue to drain to the new limit');
  assertBalanced(await lab.producer.get('/status'));
});

async function startExpectingFailure(service: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = startProcess(process.execPath, [path.resolve(__dirname, `../${service}/src/main.js`)], { PORT: '0', ...env });
  return { code: await child.exited, stderr: child.stderr };
}

for (const [service, variable, value] of [
  ['producer', 'PRODUCTION_RATE', 'fast'],
  ['producer', 'QUEUE_MODE', 'fifo'],
  ['producer', 'MAX_QUEUE_SIZE', '-1'],
  ['producer', 'CONSUMER_URL', 'not a url'],
  ['producer', 'PORT', '99999'],
  ['consumer', 'PROCESSING_TIME_MS', '-5'],
  ['consumer', 'VARIABLE_PROCESSING', 'maybe'],
  ['consumer', 'LOG_FORMAT', 'yaml'],
  ['producer', 'INSTANCE', 'two words'],
] as const) {
  test(`${service} refuses to start with ${variable}=${value}, naming the variable`, async () => {
    const { code, stderr } = await startExpectingFailure(service, { [variable]: value });
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`Invalid environment variable ${variable}=`));
  });
}
