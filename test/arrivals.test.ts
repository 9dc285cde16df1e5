// The arrival model (`arrivals`): open arrivals are independent callers, each waiting on its own;
// what they hold is counted and bounded, and every one of them is accounted for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WAITING_CALLER_OVERHEAD_BYTES } from '../producer/src/intake';
import { ITEM_OVERHEAD_BYTES } from '../producer/src/item';
import { assertBalanced, metricValue, sleep, startLab, waitFor } from './helpers/services';

test('open arrivals under block: the queue stays at its bound while callers pile up, each counted with its memory', async (t) => {
  // Capacity 2 × 1000 / 200 ms = 10 items/s against 50 arriving.
  const lab = await startLab(
    { ARRIVALS: 'open', QUEUE_MODE: 'block', MAX_QUEUE_SIZE: '5', PRODUCTION_RATE: '50' },
    { PROCESSING_TIME_MS: '200' },
  );
  t.after(() => lab.stop());
  await sleep(2000);
  const piled = await lab.producer.get('/status');
  t.diagnostic(`after 2 s: ${JSON.stringify(piled.queue)}`);
  assert.ok(piled.queue.size <= 5, 'the queue stays at its bound');
  assert.ok(piled.queue.admission_waiting >= 50, `about 40 callers a second pile up (${piled.queue.admission_waiting})`);
  assert.equal(
    piled.queue.admission_waiting_memory_bytes,
    piled.queue.admission_waiting * (1024 + ITEM_OVERHEAD_BYTES + WAITING_CALLER_OVERHEAD_BYTES),
    'each waiting caller holds its item and its own overhead',
  );
  assert.equal(piled.accounting.rejected, 0, 'block refuses nobody');
  assertBalanced(piled);
  assert.ok((await metricValue(lab.producer, 'backpressure_admission_waiting_memory_bytes')) > 0);

  // Back to a closed generator: the callers already waiting keep their place.
  await lab.producer.post('/admin/config', { arrivals: 'closed', production_rate: 0 });
  const after = await lab.producer.get('/status');
  assert.ok(after.queue.admission_waiting >= piled.queue.admission_waiting - 10, 'no waiting caller is dropped by the switch');

  // A new mode gets every waiting caller: bounded admits what fits and refuses the rest at once.
  await lab.producer.post('/admin/config', { queue_mode: 'bounded' });
  const decided = await waitFor(
    async () => {
      const s = await lab.producer.get('/status');
      return s.queue.admission_waiting === 0 ? s : undefined;
    },
    5000,
    'the waiting callers to be decided',
  );
  assert.ok(decided.accounting.rejected_by_reason.queue_full > 0);
  assert.equal(decided.queue.admission_waiting_memory_bytes, 0);
  assertBalanced(decided);
});

test('waiting callers may hold a quarter of the memory limit; past it a new caller is refused at once (reason memory)', async (t) => {
  // 16 MB limit → 4 MB for waiting callers: about 40 of 100 KB. A consumer at 1 item/s admits almost none.
  const lab = await startLab(
    { MEMORY_LIMIT_MB: '16', ARRIVALS: 'open', QUEUE_MODE: 'block', MAX_QUEUE_SIZE: '1', PAYLOAD_BYTES: '102400', PRODUCTION_RATE: '200' },
    { PROCESSING_TIME_MS: '1000', MAX_CONCURRENCY: '1' },
  );
  t.after(() => lab.stop());
  const budget = (16 * 1024 * 1024) / 4;
  const perCaller = 102_400 + ITEM_OVERHEAD_BYTES + WAITING_CALLER_OVERHEAD_BYTES;
  const s = await waitFor(
    async () => {
      const st = await lab.producer.get('/status');
      return (st.accounting.rejected_by_reason.memory ?? 0) >= 100 ? st : undefined;
    },
    10_000,
    'callers to be refused for memory',
  );
  t.diagnostic(JSON.stringify({ queue: s.queue, rejected: s.accounting.rejected_by_reason }));
  assert.ok(s.queue.admission_waiting_memory_bytes <= budget, 'never more than the budget');
  assert.equal(s.queue.admission_waiting, Math.floor(budget / perCaller), 'as many callers as fit');
  assertBalanced(s);
});

test('open arrivals come at production_rate, and stop at 0', async (t) => {
  const lab = await startLab({ ARRIVALS: 'open', PRODUCTION_RATE: '200' }, { PROCESSING_TIME_MS: '1' });
  t.after(() => lab.stop());
  await sleep(500);
  const a = await lab.producer.get('/status');
  await sleep(3000);
  const b = await lab.producer.get('/status');
  const made = b.accounting.produced - a.accounting.produced;
  assert.ok(Math.abs(made - 600) <= 30, `about 600 in 3 s, made ${made}`);
  await lab.producer.post('/admin/config', { production_rate: 0 });
  const c = await lab.producer.get('/status');
  await sleep(500);
  assert.equal((await lab.producer.get('/status')).accounting.produced, c.accounting.produced, 'nothing arrives at rate 0');
  assertBalanced(c);
});

test("issue 15's timeout setup: closed arrivals are never refused, open ones are, each after the whole timeout", async (t) => {
  // timeout, 20 places, 300 ms; 100 items/s into a consumer at its defaults (20/s).
  const lab = await startLab({ QUEUE_MODE: 'timeout', MAX_QUEUE_SIZE: '20', ENQUEUE_TIMEOUT_MS: '300', PRODUCTION_RATE: '100' });
  t.after(() => lab.stop());
  await sleep(2000);
  const closedA = await lab.producer.get('/status');
  await sleep(2000);
  const closedB = await lab.producer.get('/status');
  assert.equal(closedB.accounting.rejected - closedA.accounting.rejected, 0, 'one waiting caller always gets in within 300 ms');
  await lab.producer.post('/admin/config', { arrivals: 'open' });
  await sleep(1000);
  const openA = await lab.producer.get('/status');
  await sleep(2000);
  const openB = await lab.producer.get('/status');
  const refused = openB.accounting.rejected_by_reason.timeout - (openA.accounting.rejected_by_reason.timeout ?? 0);
  const decided = openB.accounting.produced - openA.accounting.produced;
  const meanWait = (openB.admission.blocked_seconds - openA.admission.blocked_seconds) / decided;
  t.diagnostic(JSON.stringify({ refused, decided, meanWait, waiting: openB.queue.admission_waiting }));
  assert.ok(refused > 100, `about 80 a second refused (${refused} in 2 s)`);
  assert.ok(Math.abs(meanWait - 0.3) < 0.05, `every caller waits about the 300 ms (${meanWait})`);
  assert.ok(openB.queue.admission_waiting >= 20 && openB.queue.admission_waiting <= 40, 'about 100/s × 0.3 s wait at any moment');
  assertBalanced(openB);
});

test('open arrivals under rate_limited: admitted at rate_limit, each caller waits for its own token', async (t) => {
  const lab = await startLab({ ARRIVALS: 'open', QUEUE_MODE: 'rate_limited', RATE_LIMIT: '20', BURST: '1', PRODUCTION_RATE: '100' });
  t.after(() => lab.stop());
  await sleep(500);
  const a = await lab.producer.get('/status');
  await sleep(2000);
  const b = await lab.producer.get('/status');
  const admitted = b.accounting.produced - a.accounting.produced;
  t.diagnostic(JSON.stringify({ admitted, waiting: b.queue.admission_waiting, delays: b.admission.rate_limit_delays }));
  assert.ok(Math.abs(admitted - 40) <= 6, `20 a second get a token (${admitted} in 2 s)`);
  assert.ok(b.queue.admission_waiting >= 150, 'the other 80 a second wait in line for theirs');
  assert.equal(b.accounting.rejected, 0, 'a limiter that delays refuses nobody');
  assertBalanced(b);
});
