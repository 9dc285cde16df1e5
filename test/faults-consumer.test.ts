// Fault battery, part 1: the consumer misbehaves. Killed, hung, failing half its requests — the
// producer stays up, loses nothing uncounted, keeps its bounded queue within its bound (plus
// RETRY_SLACK: items coming back from failed sends) and
// recovers when the consumer does. Each test prints the counters before and after (diagnostic).
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import {
  assertBalanced,
  assertNoProcessFault,
  countersOf,
  freePort,
  metricValue,
  RETRY_SLACK,
  type Service,
  sleep,
  startService,
  waitFor,
  waitSettled,
  watchQueue,
} from './helpers/services';

const BOUND = 200;
/** 100 items/s into a bounded queue; a quick breaker and short backoffs so recovery fits a test. */
const PRODUCER = {
  PRODUCTION_RATE: '100',
  PAYLOAD_BYTES: '256',
  QUEUE_MODE: 'bounded',
  MAX_QUEUE_SIZE: String(BOUND),
  BREAKER_RESET_MS: '300',
  RETRY_MAX_MS: '500',
};
/** 2 × 1000 / 5 = 400 items/s: four times the production rate. */
const CONSUMER = { PROCESSING_TIME_MS: '5' };

function report(t: TestContext, before: any, after: any): void {
  t.diagnostic(`before: ${JSON.stringify(countersOf(before))}`);
  t.diagnostic(`after:  ${JSON.stringify(countersOf(after))}`);
}

/** Waits until the queue has drained after a fault, then checks what every scenario must hold. */
async function assertRecovered(producer: Service, sentBefore: number, ...services: Service[]): Promise<any> {
  const status = await waitFor(
    async () => {
      const s = await producer.get('/status');
      return s.accounting.sent > sentBefore + 100 && s.queue.size < 20 && s.backend.breaker.state === 'closed' && s;
    },
    45_000, // a deadline: with one core kept busy, 15 s was once not enough to restart, close the breaker and drain
    'the queue to drain after recovery',
  );
  assertBalanced(status);
  assertNoProcessFault(producer, ...services);
  return status;
}

test('consumer SIGKILLed mid-run and restarted on the same port: nothing lost uncounted', async (t) => {
  const port = String(await freePort());
  const consumer = await startService('consumer', { ...CONSUMER, PORT: port });
  const producer = await startService('producer', { ...PRODUCER, CONSUMER_URL: consumer.url });
  let restarted: Service | undefined;
  const queue = watchQueue(producer);
  try {
    await sleep(1000);
    const before = await producer.get('/status');
    assert.equal(await consumer.stop('SIGKILL'), null, 'killed by the signal');

    const down = await waitFor(
      async () => {
        const s = await producer.get('/status');
        return s.queue.size >= BOUND && s.accounting.rejected > before.accounting.rejected && s;
      },
      10_000,
      'the bounded queue to fill while the consumer is dead',
    );
    assert.ok(down.backend.retries > before.backend.retries, 'failed sends were retried');
    assert.ok(down.backend.breaker.times_opened > 0, 'the breaker opened');
    assert.equal((await fetch(`${producer.url}/health/live`)).status, 200, 'the producer stays alive');
    assert.equal((await fetch(`${producer.url}/health/ready`)).status, 503, 'but is not ready');

    restarted = await startService('consumer', { ...CONSUMER, PORT: port });
    const after = await assertRecovered(producer, down.accounting.sent, restarted, consumer);
    assert.ok((await queue.stop()) <= BOUND + RETRY_SLACK, 'the queue never exceeded its bound');
    assert.equal((await fetch(`${producer.url}/health/ready`)).status, 200, 'ready again');
    report(t, before, after);
  } finally {
    await Promise.all([queue.stop(), producer.stop(), consumer.stop(), restarted?.stop()]);
  }
});

test('consumer paused: sends time out, are retried, and go through after resume', async (t) => {
  const consumer = await startService('consumer', CONSUMER);
  // Enough attempts that no item is given up during the pause: every item must arrive.
  const producer = await startService('producer', { ...PRODUCER, CONSUMER_URL: consumer.url, SEND_TIMEOUT_MS: '200', MAX_ATTEMPTS: '50' });
  const queue = watchQueue(producer);
  try {
    await sleep(1000);
    const before = await producer.get('/status');
    const timeoutsBefore = await metricValue(producer, 'backpressure_send_retries_total', { reason: 'timeout' });
    assert.equal((await consumer.post('/admin/pause')).status, 200);

    await waitFor(
      async () => (await metricValue(producer, 'backpressure_send_retries_total', { reason: 'timeout' })) >= timeoutsBefore + 5,
      10_000,
      'sends to time out and be retried',
    );
    const paused = await producer.get('/status');
    assert.ok(paused.queue.size > before.queue.size, 'items wait in the queue meanwhile');

    assert.equal((await consumer.post('/admin/resume')).status, 200);
    const after = await assertRecovered(producer, paused.accounting.sent, consumer);
    assert.ok((await queue.stop()) <= BOUND + RETRY_SLACK, 'the queue never exceeded its bound');
    assert.equal(after.accounting.dead_lettered, 0, 'no item was given up');
    const consumerStatus = await consumer.get('/status');
    assert.ok(consumerStatus.in_flight <= consumerStatus.max_concurrency, 'timed-out requests released their slots');
    report(t, before, after);
  } finally {
    await Promise.all([queue.stop(), producer.stop(), consumer.stop()]);
  }
});

test('consumer failing 50% of requests: every item is delivered once or dead-lettered, and both sides agree', async (t) => {
  const COUNT = 300;
  // 10 ms per item (not 5): at full speed the retries would otherwise take a whole core for seconds.
  const consumer = await startService('consumer', { PROCESSING_TIME_MS: '10', FAILURE_RATE: '0.5' });
  const producer = await startService('producer', {
    ...PRODUCER,
    PRODUCTION_RATE: '0',
    MAX_QUEUE_SIZE: '1000',
    CONSUMER_URL: consumer.url,
    RETRY_BASE_MS: '10',
    RETRY_MAX_MS: '50',
    BREAKER_RESET_MS: '50',
  });
  try {
    const before = await producer.get('/status');
    const burst = await producer.post('/produce', { count: COUNT });
    assert.equal(burst.body.queued, COUNT);

    const after = await waitSettled(producer, 30_000, 'every item to be delivered or dead-lettered');
    const a = after.accounting;
    assert.equal(a.sent + a.dead_lettered, COUNT, 'each item ended delivered or dead-lettered');
    // With 5 attempts at 50% each, about 1 item in 32 runs out of attempts.
    assert.ok(a.dead_lettered < COUNT * 0.1, `dead-lettered ${a.dead_lettered} of ${COUNT}`);

    const c = (await consumer.get('/status')).totals;
    const failedSends = await metricValue(producer, 'backpressure_send_retries_total', { reason: 'http_5xx' });
    assert.equal(c.processed, a.sent, 'the consumer processed exactly the items the producer counts as sent');
    assert.equal(c.failed, failedSends + a.dead_lettered, 'every injected failure was retried or ended in a dead letter');
    assert.ok(failedSends > COUNT / 2, `about one retry per item: ${failedSends}`);
    assertBalanced(after);
    assertNoProcessFault(producer, consumer);
    report(t, before, after);
  } finally {
    await Promise.all([producer.stop(), consumer.stop()]);
  }
});
