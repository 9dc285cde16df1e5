// Deadlines end to end, goodput beside throughput, the retry budget, and the new settings'
// validation, on the real producer and consumer processes (the in-memory backend; the broker's
// side is in goodput-broker.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertBalanced, metricValue, sleep, startLab, waitFor, waitSettled } from './helpers/services';

test('a job past its deadline_ms is dropped by whoever holds it: the consumer before processing it', async (t) => {
  // The paused consumer holds the one item it was sent; it resumes after the deadline has passed.
  const lab = await startLab({ PRODUCTION_RATE: '0', SENDER_CONCURRENCY: '1' }, { PAUSED: 'true' });
  t.after(() => lab.stop());
  const job = await lab.producer.post('/jobs', { deadline_ms: 2000 });
  assert.equal(job.status, 202);
  await waitFor(async () => (await lab.consumer.get('/status')).in_flight === 1, 2000, 'the consumer holds the job');
  const createdAt = Date.parse((await lab.producer.get(`/jobs/${job.body.id}`)).created_at);
  await sleep(createdAt + 2200 - Date.now()); // past its deadline, by the producer's own record
  await lab.consumer.post('/admin/resume', {});
  const failed = await waitFor(
    async () => {
      const state = await lab.producer.get(`/jobs/${job.body.id}`);
      return state.state === 'failed' && state;
    },
    5000,
    'the job failed as expired',
  );
  assert.match(failed.error, /expired/);
  const s = await waitSettled(lab.producer, 5000);
  assertBalanced(s);
  assert.equal(s.accounting.expired, 1);
  assert.equal(s.backend.goodput.expired_at_consumer, 1);
  assert.equal(s.accounting.sent, 0);
  const c = await lab.consumer.get('/status');
  assert.equal(c.goodput.expired, 1, 'the consumer counted it');
  assert.equal(c.totals.processed, 0, 'and did not process it');
  assert.equal(await metricValue(lab.consumer, 'backpressure_items_expired_total'), 1);
});

test('deadlines: items expire in the queue before sending; of those sent, goodput counts the ones finished in time', async (t) => {
  // One sender, 2 s an item, five jobs with a 3 s deadline: the first is done at ~2 s (in
  // time), the second is taken at ~2 s (still in time) and done at ~4 s (late), the other
  // three pass their deadline in the queue and are never sent. (1 s of slack each way for a busy machine.)
  const lab = await startLab({ PRODUCTION_RATE: '0', SENDER_CONCURRENCY: '1' }, { PROCESSING_TIME_MS: '2000', MAX_CONCURRENCY: '1' });
  t.after(() => lab.stop());
  const jobs = await Promise.all(Array.from({ length: 5 }, () => lab.producer.post('/jobs', { deadline_ms: 3000 })));
  for (const job of jobs) assert.equal(job.status, 202);
  const s = await waitSettled(lab.producer, 10_000);
  assertBalanced(s);
  const a = s.accounting;
  const g = s.backend.goodput;
  assert.equal(a.sent + a.expired, 5, JSON.stringify(a));
  assert.ok(a.sent >= 1 && a.sent <= 2, `sent ${a.sent}`);
  assert.equal(g.delivered_in_deadline + g.delivered_late, a.sent, JSON.stringify(g));
  assert.ok(g.delivered_in_deadline >= 1, 'the first job finished in time');
  // The consumer's own count agrees with what the producer heard, item for item.
  const c = await lab.consumer.get('/status');
  assert.equal(c.goodput.processed_in_deadline + c.goodput.processed_late, c.totals.processed);
  assert.equal(c.totals.processed + c.goodput.expired, a.sent + g.expired_at_consumer);
  assert.equal(await metricValue(lab.producer, 'backpressure_items_goodput_total'), g.delivered_in_deadline);
  assert.equal(await metricValue(lab.producer, 'backpressure_items_late_total'), g.delivered_late);
  assert.equal(await metricValue(lab.consumer, 'backpressure_items_goodput_total'), c.goodput.processed_in_deadline);
});

test('retry amplification against a consumer failing half its items: ~1.94 without a budget, at most 1.1 with retry_budget_ratio 0.1', async (t) => {
  const fast = { RETRY_BASE_MS: '1', RETRY_MAX_MS: '5', BREAKER_FAILURE_THRESHOLD: '1000', SENDER_CONCURRENCY: '8', PRODUCTION_RATE: '0' };
  const failingHalf = { PROCESSING_TIME_MS: '1', MAX_CONCURRENCY: '16', FAILURE_RATE: '0.5' };
  const items = 200;
  /** Runs `items` through a fresh lab; the producer's and the consumer's final figures. */
  const run = async (budget: Record<string, string>) => {
    const lab = await startLab({ ...fast, ...budget }, failingHalf);
    t.after(() => lab.stop());
    await lab.producer.post('/produce', { count: items });
    const s = await waitSettled(lab.producer, 90_000);
    assertBalanced(s);
    const c = await lab.consumer.get('/status');
    const b = s.backend.retry_budget;
    assert.equal(b.first_sends, items);
    // The consumer's own count of requests confirms the producer's: every attempt reached it once.
    assert.equal(c.totals.processed + c.totals.failed, b.first_sends + b.retry_sends);
    assert.equal(await metricValue(lab.producer, 'backpressure_retry_amplification'), b.window_amplification);
    assert.equal(await metricValue(lab.producer, 'backpressure_items_dropped_total', { reason: 'retry_budget' }), b.refused);
    assert.equal(s.accounting.dropped, b.refused, 'each refused retry dropped, counted');
    await lab.stop();
    return b;
  };
  const without = await run({});
  // max_attempts 5: expected attempts per item 1 + ½ + ¼ + ⅛ + 1/16 = 1.9375 (± 0.08 for 200 items).
  assert.ok(without.amplification > 1.7 && without.amplification < 2.15, `amplification without a budget ${without.amplification}`);
  assert.equal(without.refused, 0);
  const withBudget = await run({ RETRY_BUDGET_RATIO: '0.1', RETRY_BUDGET_WINDOW_MS: '60000' });
  assert.ok(withBudget.amplification <= 1.1, `amplification with the budget ${withBudget.amplification}`);
  assert.ok(withBudget.refused >= 40, `refused ${withBudget.refused} of ~100 failures`);
});

test('the goodput settings are validated like the others: a 400 naming the field, nothing changed', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0' });
  t.after(() => lab.stop());
  const before = (await lab.producer.get('/status')).config;
  const bad: [Record<string, unknown>, string][] = [
    [{ queue_discipline: 'lifo' }, 'queue_discipline'],
    [{ codel_target_ms: 0 }, 'codel_target_ms'],
    [{ codel_interval_ms: 1.5 }, 'codel_interval_ms'],
    [{ lifo_queue_threshold: -1 }, 'lifo_queue_threshold'],
    [{ lifo_age_ms: 'soon' }, 'lifo_age_ms'],
    [{ retry_budget_ratio: -0.1 }, 'retry_budget_ratio'],
    [{ retry_budget_window_ms: 10 }, 'retry_budget_window_ms'],
    [{ client_timeout_ms: -1 }, 'client_timeout_ms'],
    [{ client_retries: 11 }, 'client_retries'],
    [{ queue_discipline: 'codel', codel_target_ms: 0 }, 'codel_target_ms'],
  ];
  for (const [body, field] of bad) {
    const res = await lab.producer.post('/admin/config', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.field, field, JSON.stringify(res.body));
  }
  for (const deadline_ms of [0, -5, 1.5, 'soon', 86_400_001]) {
    const res = await lab.producer.post('/jobs', { deadline_ms });
    assert.equal(res.status, 400, String(deadline_ms));
    assert.equal(res.body.field, 'deadline_ms');
  }
  const after = await lab.producer.get('/status');
  assert.deepEqual(after.config, before);
  assert.equal(after.accounting.produced, 0, 'no job was made');
  const deadline = await lab.consumer.post('/process', { id: 'x', created_at: Date.now(), deadline_at: 'soon' });
  assert.equal(deadline.status, 400);
  assert.equal(deadline.body.field, 'deadline_at');
});

test('open callers with client_timeout_ms give up and try again: light load needs one try each, overload multiplies the tries', async (t) => {
  const lab = await startLab(
    { ARRIVALS: 'open', PRODUCTION_RATE: '5', CLIENT_TIMEOUT_MS: '3000', CLIENT_RETRIES: '2', SENDER_CONCURRENCY: '1' },
    { PROCESSING_TIME_MS: '100', MAX_CONCURRENCY: '1' },
  );
  t.after(() => lab.stop());
  // 5 callers/s against a consumer that takes 10/s: each is answered in ~0.1 s, first time.
  const light = await waitFor(async () => {
    const s = await lab.producer.get('/status');
    return s.callers.succeeded >= 10 && s;
  }, 20_000);
  // (3 s of patience: on a machine this busy a 1 s timeout was met now and then even at light load.)
  assert.ok(light.callers.timed_out <= light.callers.started / 10, JSON.stringify(light.callers));
  assert.ok(light.callers.amplification <= 1.0 + 0.2, JSON.stringify(light.callers)); // a caller or two may be mid-try
  // 30 callers/s against 10/s: the queue grows past the 3 s timeout, every caller times out and tries again.
  await lab.producer.post('/admin/config', { production_rate: 30 });
  const over = await waitFor(async () => {
    const s = await lab.producer.get('/status');
    return s.callers.gave_up >= 20 && s;
  }, 60_000);
  const c = over.callers;
  const tries = (c.attempts - light.callers.attempts) / (c.started - light.callers.started);
  assert.ok(tries > 1.8, `each caller since the overload tried ${tries} times (at most 3; the newest are still on their first)`);
  assert.ok(c.timed_out > 2 * c.gave_up - 5, JSON.stringify(c));
  // The abandoned items are still served: the consumer processes more than the callers ever saw succeed.
  const consumer = await lab.consumer.get('/status');
  assert.ok(consumer.totals.processed > c.succeeded, `processed ${consumer.totals.processed}, succeeded ${c.succeeded}`);
  assertBalanced(over);
});
