// The exercise runner's wait for a service that is restarting (labs/src/services.ts,
// requestWhenUp), against a real HTTP server that starts late, and one that never does.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { requestWhenUp } from '../labs/src/services';
import { freePort } from './helpers/free-port';

/** A server on `port` answering every request with `body()` as JSON. */
function serve(port: number, body: () => unknown): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body())));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

test('requestWhenUp asks until a service that was down answers, then returns its answer', async () => {
  const port = await freePort();
  const late = sleep(1000).then(() => serve(port, () => ({ up: true })));
  try {
    const answer = await requestWhenUp<{ up: boolean }>(`http://127.0.0.1:${port}/status`, 20_000);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { up: true });
  } finally {
    (await late).close();
  }
});

test('requestWhenUp waits for the answer `ready` asks for (the instance restarted), not just any 200', async () => {
  const port = await freePort();
  let asked = 0;
  const server = await serve(port, () => ({ restarts: ++asked >= 3 ? 1 : 0 }));
  try {
    const answer = await requestWhenUp<{ restarts: number }>(`http://127.0.0.1:${port}/status`, 20_000, (s) => s.restarts > 0);
    assert.equal(answer.body.restarts, 1);
    assert.ok(asked >= 3, `asked ${asked} times`);
  } finally {
    server.close();
  }
});

test('requestWhenUp gives up after its deadline, saying why', async () => {
  const port = await freePort(); // nothing listens there
  const started = performance.now();
  await assert.rejects(requestWhenUp(`http://127.0.0.1:${port}/status`, 1000), /connection refused after 1 s/);
  assert.ok(performance.now() - started >= 1000, 'it waited for the deadline');
});
