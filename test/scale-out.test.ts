// Scale-out on the broker, with a real RabbitMQ and real processes: competing consumers drain
// faster together, several producers share one limit, and `npm start`'s supervisor runs many
// instances, scales the consumers with the queue (losing nothing when it removes one) and
// replaces an instance that dies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { assertExercisePasses } from './helpers/lab-runner';
import { startNpmStart } from './helpers/npm-start';
import { startOtlpReceiver } from './helpers/otlp-receiver';
import { startPrometheus } from './helpers/prometheus';
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
import { assertNoProcessFault, type Service, sleep, waitFor } from './helpers/services';

let rabbit: RabbitMQ;
before(async () => {
  rabbit = await startBroker();
});
after(() => rabbit?.stop());

const runWatchOnce = async (env: Record<string, string>) => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.resolve(__dirname, '../labs/src/watch.js'), '--once'], {
    env: { ...process.env, ...env },
  });
  return stdout;
};

type T = { after: (fn: () => Promise<unknown>) => void };

async function started(t: T, service: Promise<Service>): Promise<Service> {
  const s = await service;
  t.after(async () => {
    assertNoProcessFault(s);
    await s.stop();
  });
  return s;
}

const processed = async (consumers: Service[]) => {
  let total = 0;
  for (const c of consumers) total += (await c.get('/status')).totals.processed;
  return total;
};

/** Items per second the consumers process together, over `seconds`. */
async function drainRate(consumers: Service[], seconds: number): Promise<number> {
  const before = await processed(consumers);
  await sleep(seconds * 1000);
  return ((await processed(consumers)) - before) / seconds;
}

describe('scale-out on the broker', () => {
  test('competing consumers: three drain one queue about three times as fast as one', async (t) => {
    await emptyQueues(rabbit);
    const producer = await started(t, startBrokerProducer(rabbit, { PRODUCTION_RATE: '0' }));
    await waitBrokerReady(producer);
    assert.equal((await producer.post('/produce', { count: 1000 })).body.queued, 1000);
    // 50 ms an item, one at a time: 20 items/s each, sleeping rather than computing, so the CPU is not the limit.
    const slow = { PROCESSING_TIME_MS: '50', MAX_CONCURRENCY: '1' };
    const first = await started(t, startBrokerConsumer(rabbit, slow));
    await waitBrokerReady(first);
    await sleep(500);
    const one = await drainRate([first], 3);
    const others = [await started(t, startBrokerConsumer(rabbit, slow)), await started(t, startBrokerConsumer(rabbit, slow))];
    await waitBrokerReady(...others);
    await sleep(500);
    const three = await drainRate([first, ...others], 3);
    t.diagnostic(`items/s: 1 consumer ${one}, 3 consumers ${three}`);
    assert.ok(one > 10 && one <= 21, `one consumer: about 20/s (${one})`);
    assert.ok(three >= 2.2 * one, `three consumers drain at least 2.2 × as fast: ${three} against ${one}`);
    const shares = await Promise.all([first, ...others].map(async (c) => (await c.get('/status')).instance));
    assert.equal(new Set(shares).size, 1, 'started alone, each calls itself consumer-1 (INSTANCE unset)');
  });

  test('one limit, two producers: a bounded queue of 100 plateaus at 100 and both producers are refused', async (t) => {
    await emptyQueues(rabbit);
    const env = { QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '100', PRODUCTION_RATE: '10' };
    const producers = [
      await started(t, startBrokerProducer(rabbit, { ...env, INSTANCE: 'producer-1' })),
      await started(t, startBrokerProducer(rabbit, { ...env, INSTANCE: 'producer-2' })),
    ];
    await waitBrokerReady(...producers);
    let highest = 0;
    await waitFor(
      async () => {
        highest = Math.max(highest, await readyCount(rabbit));
        const statuses = await Promise.all(producers.map((p) => p.get('/status')));
        return statuses.every((s) => s.accounting.rejected >= 10);
      },
      30_000,
      'both producers to be refused at least 10 times',
    );
    for (let i = 0; i < 10; i++) {
      highest = Math.max(highest, await readyCount(rabbit));
      await sleep(100);
    }
    await Promise.all(producers.map((p) => p.post('/admin/config', { production_rate: 0 })));
    const counts = await settledCounts(rabbit);
    assert.equal(counts.ready, 100, 'the queue is at its one limit');
    assert.ok(highest <= 100, `never above it (a per-process limit would let it reach 200): ${highest}`);
    const statuses = await Promise.all(producers.map((p) => p.get('/status')));
    const rejected = statuses.map((s) => s.accounting.rejected_by_reason.queue_full ?? 0);
    const published = statuses.map((s) => s.accounting.published);
    t.diagnostic(`published ${published}, rejected ${rejected}`);
    const total = rejected[0]! + rejected[1]!;
    for (const r of rejected) assert.ok(r >= total / 4, `the rejections split between the producers: ${rejected}`);
    assert.deepEqual(
      statuses.map((s) => s.instance),
      ['producer-1', 'producer-2'],
    );
    assert.ok(
      brokerBooks(
        statuses.map((s) => s.accounting),
        counts,
        0,
      ).balanced,
      'published by both = ready',
    );
  });

  test('npm start on the broker: the autoscaler goes up with a burst and back down, and loses nothing', async (t) => {
    await emptyQueues(rabbit);
    const otlp = await startOtlpReceiver();
    t.after(() => otlp.close());
    const run = await startNpmStart({
      ...brokerEnv(rabbit),
      LOG_LEVEL: 'info', // the log lines checked below
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      TRACE_SAMPLE_RATIO: '0.01',
      AUTOSCALE: '1',
      MIN_CONSUMERS: '1',
      MAX_CONSUMERS: '3',
      TARGET_ITEMS_PER_CONSUMER: '100',
      SCALE_COOLDOWN_S: '1',
      PRODUCERS: '2',
      PRODUCTION_RATE: '0',
      PROCESSING_TIME_MS: '20',
      MAX_CONCURRENCY: '2',
    });
    t.after(() => run.stop());
    const supervisor = async () => (await fetch(`${run.supervisorUrl}/status`)).json() as Promise<any>;
    assert.deepEqual(
      (await supervisor()).instances.map((i: any) => i.name),
      ['consumer-1', 'producer-1', 'producer-2', 'ui'],
    );
    for (const n of [1, 2])
      await waitFor(async () => (await fetch(`${run.producerUrl(n)}/health/ready`)).ok, 30_000, `producer-${n} ready`);

    // 2 × 400 items: the depth asks for 3 consumers (the most allowed), which drain it, and then 1.
    await Promise.all([1, 2].map((n) => fetch(`${run.producerUrl(n)}/produce`, { method: 'POST', body: JSON.stringify({ count: 400 }) })));
    const up = await waitFor(
      async () => ((await supervisor()).autoscaler.consumers === 3 ? await supervisor() : undefined),
      30_000,
      'three consumers',
    );
    assert.match(run.output(), /"msg":"scaled 1 → 3: depth \d+, target 100"/, 'the depth asked for 3 or more: 3 at once');
    assert.equal(up.instances.filter((i: any) => i.role === 'consumer').length, 3);
    await waitFor(
      async () => (await supervisor()).autoscaler.consumers === 1 && (await readyCount(rabbit)) === 0,
      60_000,
      'back to one consumer, the queue drained',
    );
    assert.match(run.output(), /"msg":"scaled [23] → 1: depth \d+, target 100"/, 'and down (at a depth of 100 or less)');
    const spans = (await waitFor(
      () => {
        const found = otlp.spans.filter((span) => span.service === 'supervisor' && span.name === 'autoscale');
        return found.some((s) => s.attributes['consumers.to'] === 1) ? found : undefined;
      },
      10_000,
      'the autoscale spans',
    ))!;
    assert.ok(
      spans.some((s) => s.attributes['consumers.from'] === 1 && s.attributes['consumers.to'] === 3),
      'a span for the decision up: 1 → 3 at once',
    );
    assert.ok(
      spans.some((s) => s.attributes['consumers.to'] === 1),
      'and one for the way down',
    );
    assert.ok(
      spans.every((s) => typeof s.attributes['queue.depth'] === 'number' && s.attributes['autoscale.target_items_per_consumer'] === 100),
    );
    const metrics = await (await fetch(`${run.supervisorUrl}/metrics`)).text();
    assert.match(metrics, /backpressure_autoscaler_scale_events_total\{direction="up"/);
    assert.match(metrics, /backpressure_autoscaler_scale_events_total\{direction="down"/);

    // The books across every instance: what the two producers published was processed by the
    // consumer still running or by those the scaler stopped (their last log line counts it).
    // The unacked count is the live consumer's own (the management statistics of a queue gone idle
    // can keep a stopped consumer's last unacked count for a while).
    const ready = await readyCount(rabbit);
    const accounting = await Promise.all([1, 2].map(async (n) => (await (await fetch(`${run.producerUrl(n)}/status`)).json()).accounting));
    const consumer = await (await fetch(`${run.consumerUrl(1)}/status`)).json();
    const counts = { ready, unacked: consumer.broker.holding };
    const live = consumer.totals.processed;
    const stopped = run.logLines('consumer stopped');
    assert.ok(stopped.length >= 2, 'two consumers were stopped');
    const byStopped = stopped.reduce((sum, line) => sum + line.totals.processed, 0);
    const books = brokerBooks(accounting, counts, live + byStopped);
    assert.equal(books.published, 800);
    assert.ok(
      books.balanced,
      `published = processed by every consumer, none lost: ${JSON.stringify({ books, live, byStopped, redelivered: consumer.broker.redeliveries, stopped, accounting })}`,
    );
    assert.equal(counts.unacked, 0);
  });

  test('npm start: an instance that dies is restarted, and the supervisor reports it', async (t) => {
    await emptyQueues(rabbit);
    const run = await startNpmStart({
      ...brokerEnv(rabbit),
      LOG_LEVEL: 'info', // the log lines checked below
      CONSUMERS: '2',
      PRODUCTION_RATE: '0',
    });
    t.after(() => run.stop());
    const supervisor = async () => (await fetch(`${run.supervisorUrl}/status`)).json() as Promise<any>;
    const victim = (await supervisor()).instances.find((i: any) => i.name === 'consumer-2');
    process.kill(victim.pid, 'SIGKILL');
    const back = await waitFor(
      async () => {
        const i = (await supervisor()).instances.find((x: any) => x.name === 'consumer-2');
        return i.state === 'up' && i.restarts === 1 ? i : undefined;
      },
      30_000,
      'consumer-2 restarted',
    );
    assert.equal(back.last_exit.reason, 'SIGKILL');
    assert.notEqual(back.pid, victim.pid);
    assert.equal((await (await fetch(`${run.consumerUrl(2)}/status`)).json()).instance, 'consumer-2');
    assert.match(run.output(), /\*\*\* consumer-2 exited \(SIGKILL\); restarting it in 1 s \(restart 1\) \*\*\*/);

    // npm run watch shows every instance, the restart, and the totals.
    const watch = await runWatchOnce({
      PRODUCER_URL: run.producerUrl(1),
      CONSUMER_URL: run.consumerUrl(1),
      SUPERVISOR_URL: run.supervisorUrl!, // two consumers: it serves one
    });
    const section = watch.slice(watch.indexOf('FLEET'));
    for (const name of ['producer-1', 'consumer-1', 'consumer-2'])
      assert.match(section, new RegExp(`${name} +:\\d+ +[\\d.]+/s .*● up`), `${name} in:\n${watch}`);
    assert.match(section, /consumer-2 .*restarts 1 \(last: SIGKILL\)/);
    assert.match(section, /total +producers made .*consumers .*capacity/);

    // `SUPERVISOR_URL=… npm run prometheus` scrapes every instance the supervisor lists.
    const prometheus = await startPrometheus({ producer: 'unused:1', consumer: 'unused:2' }, '1s', run.supervisorUrl);
    t.after(() => prometheus.stop());
    const up = (await waitFor(
      async () => {
        const series = await prometheus.query('up == 1', Date.now() / 1000);
        return series.length === 3 ? series : undefined;
      },
      30_000,
      'Prometheus to scrape all three instances',
    ))!;
    assert.deepEqual(up.map((s) => s.metric.instance).sort(), ['consumer-1', 'consumer-2', 'producer-1']);
  });

  /** Runs an exercise with `npm run lab` against a real `npm start` on the broker started with `env`. */
  async function exerciseUnderStart(
    t: T & { diagnostic(message: string): void },
    id: string,
    env: Record<string, string>,
    producers = 1,
  ): Promise<void> {
    await emptyQueues(rabbit);
    const run = await startNpmStart({ ...brokerEnv(rabbit), ...env });
    t.after(() => run.stop());
    for (let n = 1; n <= producers; n++)
      await waitFor(async () => (await fetch(`${run.producerUrl(n)}/health/ready`)).ok, 30_000, `producer-${n} ready`);
    // The runner (a child process) finds the supervisor where `npm run watch` does.
    process.env.SUPERVISOR_URL = run.supervisorUrl;
    t.after(async () => delete process.env.SUPERVISOR_URL);
    await assertExercisePasses(t, id, run.urls);
  }

  test('exercise 27-one-limit keeps its promises, on two producers under npm start', (t) =>
    exerciseUnderStart(t, '27-one-limit', { PRODUCERS: '2' }, 2));
  test('exercise 28-competing-consumers keeps its promises, on three consumers', (t) =>
    exerciseUnderStart(t, '28-competing-consumers', { CONSUMERS: '3' }));
  test('exercise 29-autoscale keeps its promises, with AUTOSCALE=1', (t) => exerciseUnderStart(t, '29-autoscale', { AUTOSCALE: '1' }));
  test('exercise 30-consumer-dies keeps its promises, on two consumers', (t) =>
    exerciseUnderStart(t, '30-consumer-dies', { CONSUMERS: '2' }));
  test('exercise 31-prefetch keeps its promises, on three consumers', (t) => exerciseUnderStart(t, '31-prefetch', { CONSUMERS: '3' }));
});
