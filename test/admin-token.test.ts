// ADMIN_TOKEN: when set, /admin/* and /produce need `Authorization: Bearer <token>` on both
// services (401 JSON otherwise, before the body is even read); everything else stays open, and
// the producer still delivers to the consumer's /process.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Lab, startLab, waitFor } from './helpers/services';

const TOKEN = 's3cret-token';
let lab: Lab;

before(async () => {
  lab = await startLab({ ADMIN_TOKEN: TOKEN, PRODUCTION_RATE: '20' }, { ADMIN_TOKEN: TOKEN, PROCESSING_TIME_MS: '5' });
});
after(() => lab.stop());

function post(url: string, body: unknown, authorization?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (authorization) headers.Authorization = authorization;
  return fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const guarded: [() => string, string, unknown][] = [
  [() => lab.producer.url, '/admin/config', { production_rate: 30 }],
  [() => lab.producer.url, '/admin/clear-queue', {}],
  [() => lab.producer.url, '/produce', { count: 1 }],
  [() => lab.consumer.url, '/admin/config', { processing_time_ms: 6 }],
  [() => lab.consumer.url, '/admin/slow-down', { factor: 1 }],
  [() => lab.consumer.url, '/admin/pause', {}],
  [() => lab.consumer.url, '/admin/resume', {}],
];

test('admin routes and /produce refuse a missing or wrong token with 401 and change nothing', async () => {
  const configs = async () => [(await lab.producer.get('/status')).config, (await lab.consumer.get('/status')).config];
  const before = await configs();
  for (const [url, route, body] of guarded) {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      const res = await post(url() + route, body, authorization);
      assert.equal(res.status, 401, `${route} with ${authorization}`);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      const json = await res.json();
      assert.equal(json.field, 'authorization');
    }
  }
  assert.deepEqual(await configs(), before);
});

test('a request without the token is refused before its body is read (401, not 413)', async () => {
  const res = await post(`${lab.producer.url}/admin/config`, 'x'.repeat(1024 * 1024));
  assert.equal(res.status, 401);
});

test('with the right token they work', async () => {
  for (const [url, route, body] of guarded) {
    const res = await post(url() + route, body, `Bearer ${TOKEN}`);
    assert.ok(res.status < 300, `${route}: ${res.status}`);
  }
  assert.equal((await lab.producer.get('/status')).config.production_rate, 30);
});

test('reading routes, /jobs and the consumer /process stay open; items are delivered', async () => {
  for (const url of [lab.producer.url, lab.consumer.url]) {
    for (const route of ['/health', '/health/live', '/status', '/metrics']) {
      assert.equal((await fetch(url + route)).status, 200, `${url}${route}`);
    }
  }
  assert.equal((await post(`${lab.producer.url}/jobs`, {})).status, 202);
  await waitFor(async () => (await lab.producer.get('/status')).accounting.sent > 10, 5000, 'items to be delivered');
});
