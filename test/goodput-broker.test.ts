// Deadlines on RabbitMQ (QUEUE_BACKEND=rabbitmq), against a real RabbitMQ: an item's deadline
// travels in the message body and the consumer drops (acks, counts) an item past it unprocessed,
// in the books across the processes; the goodput settings the broker cannot honour are a 400 that
// names the setting and says why.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  brokerBooks,
  emptyQueues,
  type RabbitMQ,
  settledCounts,
  startBroker,
  startBrokerConsumer,
  startBrokerProducer,
  waitBrokerReady,
} from './helpers/rabbitmq';
import { assertNoProcessFault, metricValue, waitFor } from './helpers/services';

let rabbit: RabbitMQ;
before(async () => {
  rabbit = await startBroker();
});
after(() => rabbit?.stop());

test('on the broker, the consumer drops items past their deadline before processing them, and the books balance', async (t) => {
  await emptyQueues(rabbit);
  const producer = await startBrokerProducer(rabbit, { PRODUCTION_RATE: '0', PAYLOAD_BYTES: '100' });
  t.after(() => producer.stop());
  await waitBrokerReady(producer);
  // Three jobs with a 1 s deadline and three without, published before any consumer runs.
  const ids: string[] = [];
  for (const body of [{ deadline_ms: 1000 }, { deadline_ms: 1000 }, { deadline_ms: 1000 }, {}, {}, {}]) {
    const posted = await producer.post('/jobs', body);
    assert.equal(posted.status, 202);
    ids.push(posted.body.id);
  }
  const published = await waitFor(async () => (await producer.get('/status')).accounting.published === 6, 10_000, '6 published');
  assert.ok(published);
  // Past their deadline (by the producer's own record of each job's creation), a consumer starts.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const consumer = await startBrokerConsumer(rabbit, { PROCESSING_TIME_MS: '10' });
  t.after(async () => {
    assertNoProcessFault(producer, consumer);
    await consumer.stop();
  });
  const c = await waitFor(
    async () => {
      const s = await consumer.get('/status');
      return s.totals.processed + s.goodput.expired === 6 && s;
    },
    20_000,
    'the consumer to take all 6',
  );
  assert.equal(c.goodput.expired, 3, 'the three with a deadline, dropped unprocessed');
  assert.equal(c.totals.processed, 3);
  assert.equal(c.goodput.processed_in_deadline, 3, 'those without a deadline always count as goodput');
  assert.equal(await metricValue(consumer, 'backpressure_items_expired_total'), 3);
  // Each job's producer hears how it ended (the consumer's job outcome): the expired ones failed.
  const states = (await waitFor(
    async () => {
      const jobs = await Promise.all(ids.map((id) => producer.get(`/jobs/${id}`)));
      return jobs.every((j) => j.state === 'done' || j.state === 'failed') ? jobs : undefined;
    },
    10_000,
    'every job to finish',
  ))!;
  assert.deepEqual(
    states.map((j) => j.state),
    ['failed', 'failed', 'failed', 'done', 'done', 'done'],
  );
  for (const job of states.slice(0, 3)) assert.match(job.error, /expired: past its deadline/);
  // published = ready + unacked + processed + expired at the consumer + what the broker dead-lettered
  const counts = await settledCounts(rabbit);
  const books = brokerBooks([(await producer.get('/status')).accounting], counts, c.totals.processed + c.goodput.expired);
  assert.ok(books.balanced, JSON.stringify(books));
});

test('on the broker, codel, adaptive_lifo, a retry budget and callers with a timeout are refused: 400 naming the setting, nothing changed', async (t) => {
  await emptyQueues(rabbit);
  const producer = await startBrokerProducer(rabbit, { PRODUCTION_RATE: '0' });
  t.after(() => producer.stop());
  await waitBrokerReady(producer);
  const before = (await producer.get('/status')).config;
  const refused: [Record<string, unknown>, string, RegExp][] = [
    [{ queue_discipline: 'codel' }, 'queue_discipline', /oldest first/],
    [{ queue_discipline: 'adaptive_lifo' }, 'queue_discipline', /codel|adaptive_lifo/],
    [{ retry_budget_ratio: 0.1 }, 'retry_budget_ratio', /consumers retry/],
    [{ arrivals: 'open', client_timeout_ms: 1000 }, 'client_timeout_ms', /does not hear/],
  ];
  for (const [body, field, why] of refused) {
    const res = await producer.post('/admin/config', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.field, field);
    assert.match(res.body.error, why);
  }
  assert.deepEqual((await producer.get('/status')).config, before);
  // What the broker can do is accepted: max_item_age_ms (message-ttl) and a job's deadline_ms.
  assert.equal((await producer.post('/admin/config', { max_item_age_ms: 5000 })).status, 200);
  assert.equal((await producer.post('/jobs', { deadline_ms: 1000 })).status, 202);
});
