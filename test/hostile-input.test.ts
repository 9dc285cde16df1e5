// Hostile input, property-based (fast-check): random JSON, wrong types, huge and negative numbers,
// "NaN"/"Infinity" strings, prototype keys, deep nesting — against every route of both services
// that takes input. Only 2xx (valid input), 400, 404 (an unknown job id), 408, 413 or 429 may come
// back, never a 500; a refused request changes nothing; the services stay healthy. Then 10 MB
// bodies and bodies that trickle in slowly (the server timeouts of common/src/server.ts).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { SERVER_TIMEOUTS } from '../common/src/server';
import { consumerSettings } from '../consumer/src/config';
import { producerSettings } from '../producer/src/config';
import { type Lab, type Service, startLab, waitFor } from './helpers/services';

/** Runs per route: 13 routes × 60 runs × ~4 requests stays well under the file's 60 s. */
const RUNS = 60;
const ALLOWED = new Set([400, 404, 408, 413, 429]);

let lab: Lab;
let baseline: { producer: Record<string, unknown>; consumer: Record<string, unknown> };

before(async () => {
  // No generator and tiny items: whatever valid input gets through costs next to nothing.
  lab = await startLab(
    { PRODUCTION_RATE: '0', PAYLOAD_BYTES: '0', QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '50' },
    { PROCESSING_TIME_MS: '0' },
  );
  const { consumer_url: _, ...producerConfig } = (await lab.producer.get('/status')).config;
  baseline = { producer: producerConfig, consumer: (await lab.consumer.get('/status')).config };
});
after(() => lab.stop());

/** What a refused request must leave as it was. */
async function state(service: Service) {
  const s = await service.get('/status');
  return s.service === 'producer'
    ? { config: s.config, produced: s.accounting.produced, cleared: s.accounting.cleared }
    : { config: s.config, processed: s.totals.processed, failed: s.totals.failed };
}

/** Puts back the settings a valid request may have changed (e.g. {"paused": true}). */
async function restore(): Promise<void> {
  assert.equal((await lab.producer.post('/admin/config', baseline.producer)).status, 200);
  assert.equal((await lab.consumer.post('/admin/config', baseline.consumer)).status, 200);
}

async function send(service: Service, method: string, route: string, body?: string) {
  const res = await fetch(service.url + route, { method, body, headers: { 'Content-Type': 'application/json' } });
  return { status: res.status, text: await res.text() };
}

/** JSON arrays nested `depth` deep, as text (up to 30,000 still fits the 64 KB body limit). */
const nestedText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Values of every wrong (and some right) kind, as JSON text. */
const hostileValue = fc
  .oneof(
    fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '', ' 5 ', '0x1F', 'true', 'null', '__proto__', 'bounded'),
    fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -1, 0, -0.5, 1e-300, 1_000_001, 600_001, 10_000_001, 0.001),
    fc.integer({ min: -1000, max: 1000 }),
    fc.double({ min: -10, max: 10, noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 3 }),
  )
  .map((value) => JSON.stringify(value));
const hostileValueText = fc.oneof(hostileValue, fc.integer({ min: 1, max: 30_000 }).map(nestedText));

/** A JSON object text with the route's own keys, prototype keys and random keys (written out, so "__proto__" is a real key). */
const hostileObject = (fields: string[]) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...fields, '__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 12 })),
        hostileValueText,
      ),
      { maxLength: 4 },
    )
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

/** One known field and a deeply nested value: gets past the key checks to whatever reads the value. */
const deepField = (fields: string[]) =>
  fc
    .tuple(fc.constantFrom(...fields, 'x'), fc.integer({ min: 1_000, max: 30_000 }))
    .map(([field, depth]) => `{${JSON.stringify(field)}:${nestedText(depth)}}`);

const hostileBody = (fields: string[]) =>
  fc.oneof(
    hostileObject(fields),
    deepField(fields),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 40 }), // mostly not JSON at all
    fc.integer({ min: 65, max: 30_000 }).map(nestedText),
    fc.integer({ min: 65, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  );

/** Keys of a JSON object body that the route does not know ("toString" included); [] for anything else. */
function unknownKeys(body: string, fields: string[]): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  return Object.keys(parsed).filter((key) => !fields.includes(key));
}

const keysOf = (schema: { shape: object }) => Object.keys(schema.shape);
const postRoutes: ['producer' | 'consumer', string, string[]][] = [
  ['producer', '/admin/config', keysOf(producerSettings)],
  ['producer', '/admin/clear-queue', []],
  ['producer', '/produce', ['count', 'priority']],
  ['producer', '/jobs', ['priority', 'data']],
  ['consumer', '/admin/config', keysOf(consumerSettings)],
  ['consumer', '/admin/slow-down', ['factor']],
  ['consumer', '/admin/speed-up', ['factor']],
  ['consumer', '/admin/pause', []],
  ['consumer', '/admin/resume', []],
  ['consumer', '/process', ['id', 'created_at', 'priority', 'attempt', 'payload']],
  ['consumer', '/process-batch', ['items']],
];

for (const [name, route, fields] of postRoutes) {
  test(`${name} POST ${route}: never a 500, a refused request changes nothing`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody(fields), async (body) => {
        const target = lab[name];
        const before = await state(target);
        const res = await send(target, 'POST', route, body);
        assert.ok(res.status < 300 || ALLOWED.has(res.status), `${res.status} for ${body.slice(0, 200)}: ${res.text.slice(0, 200)}`);
        const strict = route !== '/process' && res.status !== 413; // /process ignores extra fields; 413 comes first
        if (strict && unknownKeys(body, fields).length) assert.equal(res.status, 400, `unknown keys refused: ${body.slice(0, 200)}`);
        if (res.status === 400 || res.status === 413) {
          assert.equal(typeof JSON.parse(res.text).field, 'string', 'the error names the field');
          assert.deepEqual(await state(target), before, 'a refused request changed nothing');
        } else {
          await restore();
        }
      }),
      { numRuns: RUNS },
    );
    assert.equal((await fetch(`${lab[name].url}/health`)).status, 200);
  });
}

test('a rate_limit so small that a token wait would overflow a timer is refused', async () => {
  const res = await lab.producer.post('/admin/config', { rate_limit: 1e-9 });
  assert.equal(res.status, 400);
  assert.equal(res.body.field, 'rate_limit');
});

test('GET /jobs/:id, /dead-letters?limit= and /recent-items?seconds=&limit= with random text: 200, 400 or 404 only', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 60 }), async (text) => {
      const job = await send(lab.producer, 'GET', `/jobs/${encodeURIComponent(text) || 'x'}`);
      assert.ok([200, 404].includes(job.status), `/jobs/${text}: ${job.status}`);
      const letters = await send(lab.producer, 'GET', `/dead-letters?limit=${encodeURIComponent(text)}`);
      assert.ok([200, 400].includes(letters.status), `?limit=${text}: ${letters.status}`);
      const recent = await send(lab.producer, 'GET', `/recent-items?seconds=${encodeURIComponent(text)}&limit=${encodeURIComponent(text)}`);
      assert.ok([200, 400].includes(recent.status), `/recent-items?seconds=${text}: ${recent.status}`);
    }),
    { numRuns: RUNS },
  );
});

test('10 MB bodies get a 413 on every route, sent whole or streamed; nothing changes', async () => {
  const big = 'x'.repeat(10 * 1024 * 1024);
  for (const [name, route] of postRoutes) {
    const service = lab[name];
    const before = await state(service);
    assert.equal((await send(service, 'POST', route, big)).status, 413, `${route} whole`);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 160; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(64 * 1024)));
        controller.close();
      },
    });
    const streamed = await fetch(service.url + route, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assert.equal(streamed.status, 413, `${route} streamed`);
    assert.deepEqual(await state(service), before);
  }
});

test('an item with the largest payload_bytes (1,000,000) reaches the consumer', async () => {
  const processed = (await lab.consumer.get('/status')).totals.processed;
  assert.equal((await lab.producer.post('/admin/config', { payload_bytes: 1_000_000 })).status, 200);
  try {
    assert.equal((await lab.producer.post('/produce', { count: 3 })).body.queued, 3);
    await waitFor(async () => (await lab.consumer.get('/status')).totals.processed === processed + 3, 5000, 'three large items');
    assert.equal((await lab.producer.get('/status')).accounting.dead_lettered, 0);
  } finally {
    await restore();
  }
});

/** Opens a raw connection, writes `head`, then one more byte every `everyMs`; resolves with what the server answered. */
function trickle(service: Service, head: string, everyMs: number, maxMs: number): Promise<{ answer: string; closed: boolean; ms: number }> {
  const { hostname, port } = new URL(service.url);
  const started = performance.now();
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(Number(port), hostname, () => socket.write(head));
    const drip = setInterval(() => socket.writable && socket.write('x'), everyMs);
    const finish = (closed: boolean) => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ answer, closed, ms: performance.now() - started });
    };
    const giveUp = setTimeout(() => finish(false), maxMs);
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
  });
}

test('bodies and headers that trickle in slowly get a 408 and the connection is closed; the services stay healthy', async () => {
  const { headersTimeout, requestTimeout, connectionsCheckingInterval } = SERVER_TIMEOUTS;
  const slack = connectionsCheckingInterval + 3000;
  const slowBody = (route: string) =>
    `POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"a":"`;
  const slowHeaders = (route: string) => `POST ${route} HTTP/1.1\r\nHost: x\r\nX-Slow: `;
  const results = await Promise.all([
    trickle(lab.producer, slowBody('/admin/config'), 300, requestTimeout + slack),
    trickle(lab.consumer, slowBody('/process'), 300, requestTimeout + slack),
    trickle(lab.producer, slowHeaders('/jobs'), 300, headersTimeout + slack),
    trickle(lab.consumer, slowHeaders('/admin/config'), 300, headersTimeout + slack),
  ]);
  for (const r of results) {
    assert.match(r.answer, /^HTTP\/1\.1 408/, `answered: ${JSON.stringify(r.answer.slice(0, 80))} after ${Math.round(r.ms)} ms`);
    assert.ok(r.closed, 'the connection was closed');
  }
  assert.equal((await fetch(`${lab.producer.url}/health`)).status, 200);
  assert.equal((await fetch(`${lab.consumer.url}/health`)).status, 200);
  const { consumer_url: _, ...config } = (await lab.producer.get('/status')).config;
  assert.deepEqual(config, baseline.producer);
});
