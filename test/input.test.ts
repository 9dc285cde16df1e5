// Bad input, endpoint by endpoint: the right status, a JSON error naming the field, nothing
// changed, and the service still healthy afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Lab, type Service, startLab } from './helpers/services';

let lab: Lab;
before(async () => {
  lab = await startLab({ PRODUCTION_RATE: '5', PAYLOAD_BYTES: '16' }, { PROCESSING_TIME_MS: '5' });
});
after(() => lab.stop());

interface Case {
  route: string;
  body: string;
  status: number;
  field: string;
}

const json = (value: unknown) => JSON.stringify(value);

const producerCases: Case[] = [
  { route: '/admin/config', body: '{"queue_mode": "bounded"', status: 400, field: 'body' },
  { route: '/admin/config', body: json({ queue_mode: 'fifo' }), status: 400, field: 'queue_mode' },
  { route: '/admin/config', body: json({ max_queue_size: -1 }), status: 400, field: 'max_queue_size' },
  { route: '/admin/config', body: json({ max_queue_size: 0 }), status: 400, field: 'max_queue_size' },
  { route: '/admin/config', body: json({ max_queue_size: 1e12 }), status: 400, field: 'max_queue_size' },
  { route: '/admin/config', body: json({ max_queue_size: 10.5 }), status: 400, field: 'max_queue_size' },
  { route: '/admin/config', body: json({ production_rate: 'fast' }), status: 400, field: 'production_rate' },
  { route: '/admin/config', body: json({ production_rate: -10 }), status: 400, field: 'production_rate' },
  { route: '/admin/config', body: json({ rate_limit: 0 }), status: 400, field: 'rate_limit' },
  { route: '/admin/config', body: json({ rate_limit: 'Infinity' }), status: 400, field: 'rate_limit' },
  { route: '/admin/config', body: json({ overflow: 'drop_newest' }), status: 400, field: 'overflow' },
  { route: '/admin/config', body: json({ arrivals: 'poisson' }), status: 400, field: 'arrivals' },
  { route: '/admin/config', body: json({ breaker_mode: 'sometimes' }), status: 400, field: 'breaker_mode' },
  { route: '/admin/config', body: json({ breaker_failure_rate: 0 }), status: 400, field: 'breaker_failure_rate' },
  { route: '/admin/config', body: json({ sender_concurrency: 0 }), status: 400, field: 'sender_concurrency' },
  { route: '/admin/config', body: json({ send_batch_size: 0 }), status: 400, field: 'send_batch_size' },
  { route: '/admin/config', body: json({ send_batch_size: 1001 }), status: 400, field: 'send_batch_size' },
  { route: '/admin/config', body: json({ queue_mode: 'bounded', max_queue_size: -5 }), status: 400, field: 'max_queue_size' },
  { route: '/admin/config', body: json({ adaptive_min_size: 5000, adaptive_max_size: 10 }), status: 400, field: 'adaptive_min_size' },
  { route: '/admin/config', body: json({ warp_speed: 9 }), status: 400, field: 'warp_speed' },
  { route: '/admin/config', body: json([1, 2, 3]), status: 400, field: 'body' },
  { route: '/admin/config', body: json('bounded'), status: 400, field: 'body' },
  { route: '/admin/config', body: json({ payload: 'x'.repeat(100_000) }), status: 413, field: 'body' },
  { route: '/admin/clear-queue', body: json({ everything: true }), status: 400, field: 'everything' },
  { route: '/produce', body: json({ count: 0 }), status: 400, field: 'count' },
  { route: '/produce', body: json({ count: -5 }), status: 400, field: 'count' },
  { route: '/produce', body: json({ count: 2.5 }), status: 400, field: 'count' },
  { route: '/produce', body: json({ count: '10' }), status: 400, field: 'count' },
  { route: '/produce', body: json({ count: 1_000_001 }), status: 400, field: 'count' },
  { route: '/produce', body: json({ count: 1, priority: 'urgent' }), status: 400, field: 'priority' },
  { route: '/produce', body: '{count: 1}', status: 400, field: 'body' },
  { route: '/jobs', body: json({ priority: 7 }), status: 400, field: 'priority' },
  { route: '/jobs', body: json({ id: 'mine' }), status: 400, field: 'id' },
];

const consumerCases: Case[] = [
  { route: '/admin/config', body: json({ processing_time_ms: -1 }), status: 400, field: 'processing_time_ms' },
  { route: '/admin/config', body: json({ processing_time_ms: 1e9 }), status: 400, field: 'processing_time_ms' },
  { route: '/admin/config', body: json({ failure_rate: 2 }), status: 400, field: 'failure_rate' },
  { route: '/admin/config', body: json({ variable_processing: 'yes' }), status: 400, field: 'variable_processing' },
  { route: '/admin/config', body: json({ processing_min_ms: 300, processing_max_ms: 100 }), status: 400, field: 'processing_min_ms' },
  { route: '/admin/config', body: json({ max_concurrency: 0 }), status: 400, field: 'max_concurrency' },
  { route: '/admin/config', body: '{"processing_time_ms": }', status: 400, field: 'body' },
  { route: '/admin/slow-down', body: json({ factor: 0 }), status: 400, field: 'factor' },
  { route: '/admin/slow-down', body: json({ factor: -2 }), status: 400, field: 'factor' },
  { route: '/admin/slow-down', body: json({ factor: '5' }), status: 400, field: 'factor' },
  { route: '/admin/slow-down', body: json({ factor: 1e9 }), status: 400, field: 'factor' },
  { route: '/admin/slow-down', body: json({ factor: 1000 }), status: 200, field: '' }, // 100 s per item: allowed
  { route: '/admin/slow-down', body: json({ factor: 1000 }), status: 400, field: 'processing_time_ms' }, // 100,000 s: not
  { route: '/admin/speed-up', body: json({ factor: 1000 }), status: 200, field: '' }, // back to where it was
  { route: '/admin/speed-up', body: json({ factor: 0 }), status: 400, field: 'factor' },
  { route: '/process', body: json({}), status: 400, field: 'id' },
  { route: '/process', body: json({ id: 'a', created_at: 'now' }), status: 400, field: 'created_at' },
  { route: '/process', body: json({ id: 'a', created_at: -1 }), status: 400, field: 'created_at' },
  { route: '/process', body: json({ items: [{ id: 'a', created_at: 1 }] }), status: 400, field: 'id' },
  { route: '/process-batch', body: json({}), status: 400, field: 'items' },
  { route: '/process-batch', body: json({ items: [] }), status: 400, field: 'items' },
  { route: '/process-batch', body: json({ items: { id: 'a', created_at: 1 } }), status: 400, field: 'items' },
  { route: '/process-batch', body: json({ items: [{ id: 'a', created_at: 1 }, { id: 'b' }] }), status: 400, field: 'items.1.created_at' },
  { route: '/process-batch', body: json({ items: [{ id: 'a', created_at: 1 }], all: true }), status: 400, field: 'all' },
  {
    route: '/process-batch',
    body: json({ items: Array.from({ length: 1001 }, (_, i) => ({ id: `${i}`, created_at: 1 })) }),
    status: 400,
    field: 'items',
  },
];

async function runCases(service: () => Service, cases: Case[]) {
  for (const c of cases) {
    test(`${c.route} ${c.body.slice(0, 60)} → ${c.status}${c.field ? ` naming ${c.field}` : ''}`, async () => {
      const before = (await service().get('/status')).config;
      const res = await fetch(service().url + c.route, { method: 'POST', body: c.body }); // no Content-Type on purpose
      const body = await res.json();
      assert.equal(res.status, c.status, JSON.stringify(body));
      if (c.status >= 400) {
        assert.equal(typeof body.error, 'string');
        assert.equal(body.field, c.field, JSON.stringify(body));
        assert.deepEqual((await service().get('/status')).config, before, 'settings unchanged');
      }
      assert.equal((await fetch(`${service().url}/health`)).status, 200);
    });
  }
}

describe('producer rejects bad input', () => runCases(() => lab.producer, producerCases));
describe('consumer rejects bad input', () => runCases(() => lab.consumer, consumerCases));

test('GET /jobs/:id of an unknown job is a 404 naming id', async () => {
  const res = await fetch(`${lab.producer.url}/jobs/no-such-job`);
  assert.equal(res.status, 404);
  assert.equal((await res.json()).field, 'id');
});

test('GET /dead-letters?limit=-1 is a 400 naming limit', async () => {
  const res = await fetch(`${lab.producer.url}/dead-letters?limit=-1`);
  assert.equal(res.status, 400);
  assert.equal((await res.json()).field, 'limit');
});

test('an unknown route is a JSON 404', async () => {
  const res = await fetch(`${lab.producer.url}/nope`);
  assert.equal(res.status, 404);
  assert.match((await res.json()).error, /no route/);
});

test('valid input works with and without a Content-Type header', async () => {
  const plain = await fetch(`${lab.consumer.url}/admin/config`, { method: 'POST', body: json({ processing_time_ms: 7 }) });
  assert.equal(plain.status, 200);
  const typed = await lab.consumer.post('/admin/config', { processing_time_ms: 5 });
  assert.equal(typed.status, 200);
  assert.deepEqual(typed.body.changed, { processing_time_ms: 5 });
});
