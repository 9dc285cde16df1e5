// The arrival model (`arrivals`): open arrivals are independent callers, each waiting on its own;
// what they hold is counted and bounded, and every one of them is accounted for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ITEM_OVERHEAD_BYTES } from '../producer/src/item';
import { WAITING_CALLER_OVERHEAD_BYTES } from '../producer/src/intake';
import { assertBalanced, metricValue, sleep, startLab, waitFor } from './helpers/services';

test('open arrivals under block: the queue stays at its bound while callers pile up, each counted with its memory', async (t) => {
  // Capacity 2 × 1000 / 200 ms = 10 items/s against 50 arriving.
  const lab = await startLab({ ARRIVALS: 'open', QUEUE_MODE: 'block', MAX_QUEUE_SIZE: '5', PRODUCTION_RATE: '50' }, { PROCESSING_TIME_MS: '200' });
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
  const decided = await waitFor(async () => {
    const s = await lab.producer.get('/status');
    return s.queue.admission_waiting === 0 ? s : undefined;
  }, 5000, 'the waiting callers to be decided');
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
  const s = await waitFor(async () => {
    const st = await lab.producer.get('/status');
    return (st.accounting.rejected_by_reason.memory ?? 0) >= 100 ? st : undefined;
  }, 10_000, 'callers to be refused for memory');
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
