// Faults on the broker (QUEUE_BACKEND=rabbitmq), against a real RabbitMQ: bad settings stop a
// service naming the variable; a broker that is down at start or lost mid-run makes the producer
// not ready and refuse offers with a reason, and both services recover by themselves; a consumer
// SIGKILLed holding unacked items and a producer SIGKILLed with 10,000 items in the broker lose
// nothing, and the books still balance across every process that ever ran.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  brokerBooks,
  brokerEnv,
  emptyQueues,
  type RabbitMQ,
  readyCount,
  settledCounts,
  startBroker,
  startBrokerConsumer,
  startBrokerProducer,
  waitBrokerReady,
} from './helpers/rabbitmq';
import { assertNoProcessFault, freePort, metricValue, type Service, sleep, startService, waitFor } from './helpers/services';

type T = { after: (fn: () => Promise<unknown>) => void };

function stopAfter(t: T, service: Service): Service {
  t.after(async () => {
    assertNoProcessFault(service);
    await service.stop();
  });
  return service;
}

const processedBy = async (consumer: Service): Promise<number> => (await consumer.get('/status')).totals.processed;

describe('bad settings stop the service, naming the variable', () => {
  for (const [service, variable, value] of [
    ['producer', 'QUEUE_BACKEND', 'kafka'],
    ['consumer', 'QUEUE_BACKEND', 'kafka'],
    ['producer', 'AMQP_URL', 'not a url'],
    ['consumer', 'AMQP_URL', 'http://127.0.0.1:5672'],
    ['producer', 'RABBITMQ_MANAGEMENT_URL', 'amqp://127.0.0.1:15672'],
  ] as const) {
    test(`${service}: ${variable}=${value}`, async () => {
      await assert.rejects(startService(service, { QUEUE_BACKEND: 'rabbitmq', [variable]: value }), (err: Error) => {
        assert.match(err.message, /exited with 1/);
        assert.match(err.message, new RegExp(`Invalid environment variable ${variable}=`));
        return true;
      });
    });
  }
});

describe('the broker down at start, then lost mid-run', () => {
  test('not ready and refusing with a reason while it is away; both services recover by themselves', async (t) => {
    const ports = { amqpPort: await freePort(), managementPort: await freePort() };
    const env = brokerEnv({
      amqpUrl: `amqp://guest:guest@127.0.0.1:${ports.amqpPort}`,
      managementUrl: `http://guest:guest@127.0.0.1:${ports.managementPort}`,
    });
    const producer = stopAfter(t, await startService('producer', { ...env, PRODUCTION_RATE: '20' }));
    const consumer = stopAfter(t, await startService('consumer', { ...env, PROCESSING_TIME_MS: '1' }));

    // Down at start: both services run, neither is ready, nothing piles up.
    const notReady = await fetch(`${producer.url}/health/ready`);
    assert.equal(notReady.status, 503);
    const why = (await notReady.json()) as any;
    assert.equal(why.broker.connected, false);
    assert.match(why.broker.last_error, /ECONNREFUSED/);
    assert.equal((await fetch(`${consumer.url}/health/ready`)).status, 503);
    const job = await producer.post('/jobs', {});
    assert.equal(job.status, 503);
    assert.equal(job.body.reason, 'broker_unavailable');
    await sleep(500);
    const down = await producer.get('/status');
    assert.ok(down.accounting.rejected_by_reason.broker_unavailable >= 5, JSON.stringify(down.accounting));
    assert.equal(down.accounting.published, 0);
    assert.equal(down.backend.connection.connected, false);

    // The broker appears: both connect by themselves and items flow.
    let rabbit = await startBroker(ports);
    t.after(() => rabbit.stop());
    await waitBrokerReady(producer, consumer);
    await waitFor(async () => (await processedBy(consumer)) >= 20, 15_000, 'items processed once the broker is up');

    // Lost mid-run (killed, as a crash): not ready again, offers refused with the reason.
    await rabbit.kill();
    await rabbit.stop();
    await waitFor(async () => (await fetch(`${producer.url}/health/ready`)).status === 503, 10_000, 'the producer not ready');
    const before = (await producer.get('/status')).accounting.rejected_by_reason.broker_unavailable ?? 0;
    await waitFor(
      async () => (await producer.get('/status')).accounting.rejected_by_reason.broker_unavailable > before + 5,
      10_000,
      'offers refused',
    );
    assert.equal((await producer.get('/status')).backend.connection.connected, false);

    // Back (a fresh node on the same ports): they reconnect, declare the queues again, and items flow.
    rabbit = await startBroker(ports);
    await waitBrokerReady(producer, consumer);
    const processed = await processedBy(consumer);
    await waitFor(async () => (await processedBy(consumer)) >= processed + 20, 15_000, 'items processed after the broker came back');
    const status = await producer.get('/status');
    assert.equal(status.backend.connection.connected, true);
    assert.ok(status.accounting.balanced, JSON.stringify(status.accounting));
    assert.equal(await metricValue(producer, 'backpressure_broker_connected'), 1);
    assert.equal(await metricValue(consumer, 'backpressure_broker_connected'), 1);
  });
});

describe('crashes with the queue in the broker', () => {
  let rabbit: RabbitMQ;
  before(async () => {
    rabbit = await startBroker();
  });
  after(() => rabbit?.stop());

  test('a consumer SIGKILLed holding unacked items: they are redelivered, counted, and none is lost', async (t) => {
    await emptyQueues(rabbit);
    const producer = stopAfter(t, await startBrokerProducer(rabbit, { PRODUCTION_RATE: '0' }));
    await waitBrokerReady(producer);
    const first = await startBrokerConsumer(rabbit, { PROCESSING_TIME_MS: '20', MAX_CONCURRENCY: '4' });
    await producer.post('/produce', { count: 200 });
    await waitFor(async () => (await processedBy(first)) >= 20, 10_000, 'some processed');
    // Paused, it holds its prefetch (4) unacked and processes nothing: its count is final.
    await first.post('/admin/pause');
    await waitFor(async () => (await first.get('/status')).broker.holding === 4, 5000, 'holding 4 unacked');
    await sleep(200);
    const processedFirst = await processedBy(first);
    assert.equal((await settledCounts(rabbit)).unacked, 4);
    await first.stop('SIGKILL');

    const second = stopAfter(t, await startBrokerConsumer(rabbit, { PROCESSING_TIME_MS: '1', MAX_CONCURRENCY: '4' }));
    await waitFor(async () => (await processedBy(second)) === 200 - processedFirst, 15_000, 'the rest processed');
    const s = await second.get('/status');
    assert.equal(s.broker.redeliveries, 4, 'the 4 it held came back flagged redelivered');
    assert.equal(await metricValue(second, 'backpressure_broker_redeliveries_total'), 4);
    const counts = await settledCounts(rabbit);
    const books = brokerBooks([(await producer.get('/status')).accounting], counts, processedFirst + s.totals.processed);
    assert.ok(books.balanced, JSON.stringify(books));
    assert.equal(books.published, 200);
    t.diagnostic(
      `published 200; processed ${processedFirst} before the SIGKILL (4 held unacked), ${s.totals.processed} after it, ${s.broker.redeliveries} redelivered; lost: ${200 - processedFirst - s.totals.processed}`,
    );
  });

  test('a producer SIGKILLed with 10,000 items in the broker: after the restart they are all there and processed', async (t) => {
    await emptyQueues(rabbit);
    const first = await startBrokerProducer(rabbit, { PRODUCTION_RATE: '0' });
    await waitBrokerReady(first);
    const started = performance.now();
    const burst = await first.post('/produce', { count: 10_000 });
    const publishSeconds = (performance.now() - started) / 1000;
    assert.equal(burst.body.queued, 10_000);
    const before = (await first.get('/status')).accounting;
    await first.stop('SIGKILL');
    assert.equal(await readyCount(rabbit), 10_000, 'still in RabbitMQ after the crash');

    const second = stopAfter(t, await startBrokerProducer(rabbit, { PRODUCTION_RATE: '0' }));
    await waitBrokerReady(second);
    await waitFor(async () => (await second.get('/status')).queue.size === 10_000, 5000, 'the restarted producer sees them');
    const consumer = stopAfter(t, await startBrokerConsumer(rabbit, { PROCESSING_TIME_MS: '0', MAX_CONCURRENCY: '50' }));
    await waitFor(async () => (await processedBy(consumer)) === 10_000, 60_000, 'all 10,000 processed');
    const books = brokerBooks([before, (await second.get('/status')).accounting], await settledCounts(rabbit), await processedBy(consumer));
    assert.ok(books.balanced, JSON.stringify(books));
    t.diagnostic(
      `10,000 published and confirmed in ${publishSeconds.toFixed(1)} s; in RabbitMQ after the SIGKILL: 10,000; processed after the restart: ${await processedBy(consumer)}; lost: ${10_000 - (await processedBy(consumer))}`,
    );
  });
});
