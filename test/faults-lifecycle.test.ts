// Fault battery, part 2: starting and stopping. The producer comes up before its consumer, and
// is stopped with 10,000 items queued. Also proves that the process-fault log line the battery
// looks for really appears when a rejection goes unhandled (so "none logged" means something).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { startProcess } from './helpers/process';
import {
  assertBalanced,
  assertNoProcessFault,
  countersOf,
  freePort,
  RETRY_SLACK,
  type Service,
  sleep,
  startService,
  waitFor,
  watchQueue,
} from './helpers/services';

test('consumer not yet up: the producer starts, stays healthy, holds items per mode, then delivers', async (t) => {
  const BOUND = 100;
  const port = await freePort();
  const producer = await startService('producer', {
    PRODUCTION_RATE: '100',
    PAYLOAD_BYTES: '256',
    QUEUE_MODE: 'bounded',
    MAX_QUEUE_SIZE: String(BOUND),
    BREAKER_RESET_MS: '300',
    CONSUMER_URL: `http://127.0.0.1:${port}`,
  });
  let consumer: Service | undefined;
  const queue = watchQueue(producer);
  try {
    assert.equal((await fetch(`${producer.url}/health`)).status, 200);
    assert.equal((await fetch(`${producer.url}/health/live`)).status, 200);
    const ready = await fetch(`${producer.url}/health/ready`);
    assert.equal(ready.status, 503);
    assert.equal((await ready.json()).consumer_reachable, false);

    // bounded: holds up to its bound, refuses the rest. (A failed send puts its item back even
    // when the queue is full, so the bound can be passed by up to RETRY_SLACK for a moment.)
    const full = await waitFor(
      async () => {
        const s = await producer.get('/status');
        return s.queue.size >= BOUND && s.accounting.rejected_by_reason.queue_full > 0 && s;
      },
      10_000,
      'the bounded queue to fill and refuse',
    );
    assert.ok(full.queue.size <= BOUND + RETRY_SLACK, `queue ${full.queue.size}`);
    t.diagnostic(`bounded, consumer absent: ${JSON.stringify(countersOf(full))}`);

    // block: holds up to its bound and makes the generator wait; nothing more is refused.
    assert.equal((await producer.post('/admin/config', { queue_mode: 'block' })).status, 200);
    await sleep(200);
    const blockedAt = await producer.get('/status');
    await sleep(1000);
    const blocked = await producer.get('/status');
    assert.equal(blocked.accounting.rejected, blockedAt.accounting.rejected, 'block refuses nothing');
    assert.ok(blocked.queue.size <= BOUND + RETRY_SLACK);
    assert.equal(blocked.queue.admission_waiting, 1, 'the generator waits for room');
    t.diagnostic(`block, consumer absent:   ${JSON.stringify(countersOf(blocked))}`);

    consumer = await startService('consumer', { PROCESSING_TIME_MS: '5', PORT: String(port) });
    const after = await waitFor(
      async () => {
        const s = await producer.get('/status');
        return s.accounting.sent > blocked.accounting.sent + 150 && s.queue.size < 20 && s;
      },
      15_000,
      'the queue to drain once the consumer is up',
    );
    await waitFor(async () => (await fetch(`${producer.url}/health/ready`)).status === 200, 5000, 'ready');
    assert.ok((await queue.stop()) <= BOUND + RETRY_SLACK, 'the queue never exceeded its bound');
    assertBalanced(after);
    assertNoProcessFault(producer, consumer);
    t.diagnostic(`after the consumer came up: ${JSON.stringify(countersOf(after))}`);
  } finally {
    await Promise.all([queue.stop(), producer.stop(), consumer?.stop()]);
  }
});

test('producer SIGTERM with 10,000 items queued: in-flight sends finish, the discarded count is logged, exit 0', async (t) => {
  const COUNT = 10_000;
  const consumer = await startService('consumer', { PROCESSING_TIME_MS: '300' });
  const producer = await startService('producer', { PRODUCTION_RATE: '0', CONSUMER_URL: consumer.url });
  try {
    const burst = await producer.post('/produce', { count: COUNT });
    assert.equal(burst.body.queued, COUNT);
    const before = await waitFor(
      async () => {
        const s = await producer.get('/status');
        return s.accounting.in_flight === 2 && s;
      },
      5000,
      'both senders to be mid-send',
    );
    t.diagnostic(`before SIGTERM: ${JSON.stringify(countersOf(before))}`);

    const started = performance.now();
    assert.equal(await producer.stop('SIGTERM'), 0, 'exit code 0');
    const stopSeconds = (performance.now() - started) / 1000;

    const line = producer.output.find((l) => l.includes('"msg":"producer stopped"'));
    assert.ok(line, 'the final line is logged');
    const final = JSON.parse(line);
    t.diagnostic(`logged at exit (${stopSeconds.toFixed(2)} s): ${JSON.stringify(final)}`);
    assert.equal(final.accounting.in_flight, 0, 'in-flight sends finished before exit');
    assert.equal(final.accounting.produced, COUNT);
    assert.equal(final.discarded_queued_items, final.accounting.queued);
    assert.ok(final.discarded_queued_items > COUNT - 50, `almost all were still queued: ${final.discarded_queued_items}`);
    assertBalanced({ accounting: final.accounting });
    const processed = (await consumer.get('/status')).totals.processed;
    assert.equal(processed, final.accounting.sent, 'what the producer counts as sent, the consumer processed');
    assertNoProcessFault(producer, consumer);
  } finally {
    await Promise.all([producer.stop(), consumer.stop()]);
  }
});

test('an unhandled rejection or uncaught exception is logged as its own fatal line, and the process exits 1', async () => {
  const dist = path.resolve(__dirname, '..');
  for (const [event, fault] of [
    ['unhandledRejection', 'Promise.reject(new Error("boom"))'],
    ['uncaughtException', 'setTimeout(() => { throw new Error("boom"); })'],
  ]) {
    const script = `
      const { createLogger } = require(${JSON.stringify(path.join(dist, 'common/src/logger.js'))});
      const { exitOnProcessFault } = require(${JSON.stringify(path.join(dist, 'common/src/server.js'))});
      exitOnProcessFault(createLogger('probe', { LOG_LEVEL: 'info' }));
      ${fault};
      setTimeout(() => {}, 5000);`;
    const probe = startProcess(process.execPath, ['-e', script]);
    assert.equal(await probe.exited, 1, `${event}: exit code`);
    assert.throws(() => assertNoProcessFault({ output: probe.stdout.split('\n') } as Service), new RegExp(event));
  }
});
