// GET /recent-items: the slowest deliveries of the last minute and where their time went — the
// browser view's waterfall. Against the real services, then the ring of slots on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createItem } from '../producer/src/item';
import { SlowestItems } from '../producer/src/slowest-items';
import { startOtlpReceiver } from './helpers/otlp-receiver';
import { startLab, waitFor } from './helpers/services';

test("a slowed consumer: the slowest items show their queue wait, the send and the consumer's processing inside it", async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '20' }, { PROCESSING_TIME_MS: '200', MAX_CONCURRENCY: '2' });
  t.after(() => lab.stop());
  // 20/s made, 10/s processed: items queue up and later ones wait longer.
  const answer = await waitFor(
    async () => {
      const a = await lab.producer.get('/recent-items?limit=5');
      return a.items.length === 5 && a.items[0].queue_ms >= 300 ? a : undefined;
    },
    15_000,
    'five items that waited in the queue',
  );
  assert.equal(answer.seconds, 60);
  const totals = answer.items.map((i: any) => i.total_ms);
  assert.deepEqual(
    totals,
    [...totals].sort((a, b) => b - a),
    'slowest first',
  );
  for (const item of answer.items) {
    assert.match(item.id, /^[0-9a-f-]{36}$/);
    assert.ok(item.process_ms >= 190 && item.process_ms <= item.send_ms, JSON.stringify(item));
    const parts = item.admission_ms + item.queue_ms + item.send_ms;
    assert.ok(Math.abs(parts - item.total_ms) <= 3, `parts ${parts} vs total ${item.total_ms}`);
    assert.equal(item.trace_id, undefined, 'no trace id without tracing');
  }
});

test('with tracing on, each item carries its trace id: the one its spans have', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
  const lab = await startLab({ ...tracing, PRODUCTION_RATE: '20' }, tracing);
  t.after(() => lab.stop());
  const answer = await waitFor(
    async () => {
      const a = await lab.producer.get('/recent-items?limit=3');
      return a.items.length === 3 ? a : undefined;
    },
    10_000,
    'three items',
  );
  for (const item of answer.items) assert.match(item.trace_id, /^[0-9a-f]{32}$/);
  const traced = answer.items[0];
  await waitFor(
    () => receiver.spans.some((s) => s.traceId === traced.trace_id && s.attributes['item.id'] === traced.id),
    10_000,
    'its spans',
  );
});

test('GET /recent-items validates its query: 400 naming the field', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0' });
  t.after(() => lab.stop());
  for (const [query, field] of [
    ['seconds=0', 'seconds'],
    ['seconds=61', 'seconds'],
    ['limit=abc', 'limit'],
    ['limit=101', 'limit'],
  ]) {
    const res = await fetch(`${lab.producer.url}/recent-items?${query}`);
    assert.equal(res.status, 400, query);
    assert.equal((await res.json()).field, field, query);
  }
  assert.deepEqual(await lab.producer.get('/recent-items'), { seconds: 60, items: [] });
});

test('SlowestItems keeps the ten slowest of each second of the last minute, and forgets older seconds', () => {
  const slowest = new SlowestItems();
  const start = 1_000_000_000_000;
  for (let i = 0; i < 100; i++) {
    const item = createItem(0);
    Object.assign(item, { created_at: start - i });
    slowest.record(item, 0, undefined, start); // waited i ms
  }
  const kept = slowest.slowest(60, 100, start);
  assert.deepEqual(
    kept.map((t) => t.total_ms),
    [99, 98, 97, 96, 95, 94, 93, 92, 91, 90],
  );
  assert.equal(kept[0]!.process_ms, null);
  assert.equal(slowest.slowest(60, 3, start + 59_000).length, 3, 'still within the minute');
  assert.equal(slowest.slowest(60, 3, start + 60_000).length, 0, 'a minute later');
});
