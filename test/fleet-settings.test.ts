// Settings of a role, through `npm start`'s supervisor, with a real RabbitMQ and real processes:
// POST /consumers/admin/<route> reaches every consumer with each one's answer, a bad body gets
// every consumer's 400 and changes nothing, an unknown route is refused, a consumer changed on its
// own port is named as differing, and a consumer the autoscaler adds or the supervisor restarts
// starts with the role's settings (measured by how long it takes per item, not by its config).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startNpmStart } from './helpers/npm-start';
import { brokerEnv, type RabbitMQ, startBroker } from './helpers/rabbitmq';
import { waitFor } from './helpers/services';

let rabbit: RabbitMQ;
before(async () => {
  rabbit = await startBroker();
});
after(() => rabbit?.stop());

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const get = async (url: string) => (await fetch(url)).json() as Promise<any>;

test('fleet settings: every instance of a role, kept for the ones started later', async (t) => {
  const npmStart = await startNpmStart({
    ...brokerEnv(rabbit),
    LOG_LEVEL: 'warn',
    PRODUCERS: '2',
    CONSUMERS: '3',
    AUTOSCALE: '1',
    MIN_CONSUMERS: '3',
    MAX_CONSUMERS: '4',
    TARGET_ITEMS_PER_CONSUMER: '50',
    SCALE_COOLDOWN_S: '600',
    PRODUCTION_RATE: '0',
    PROCESSING_TIME_MS: '20',
  });
  t.after(() => npmStart.stop());
  const run = { ...npmStart, supervisorUrl: npmStart.supervisorUrl ?? '' };
  const supervisor = () => get(`${run.supervisorUrl}/status`);
  const consumerConfig = async (n: number) => (await get(`${run.consumerUrl(n)}/status`)).config;

  await t.test('a slow-down reaches all three consumers, each answer in one reply', async () => {
    const answer = await post(`${run.supervisorUrl}/consumers/admin/slow-down`, { factor: 5 });
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.instances.map((i: any) => [i.name, i.status, i.body.processing_time_ms]),
      [
        ['consumer-1', 200, 100],
        ['consumer-2', 200, 100],
        ['consumer-3', 200, 100],
      ],
    );
    assert.deepEqual(answer.body.role_settings, { processing_time_ms: 100, processing_min_ms: 250, processing_max_ms: 1000 });
    for (const n of [1, 2, 3]) assert.equal((await consumerConfig(n)).processing_time_ms, 100, `consumer-${n}`);
  });

  await t.test("a bad body gets every consumer's 400 and changes nothing", async () => {
    const answer = await post(`${run.supervisorUrl}/consumers/admin/config`, { processing_time_ms: -5 });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.instances.length, 3);
    for (const i of answer.body.instances) assert.equal(i.body.field, 'processing_time_ms');
    for (const n of [1, 2, 3]) assert.equal((await consumerConfig(n)).processing_time_ms, 100);
    const notJson = await post(`${run.supervisorUrl}/producers/admin/config`, '{"production_rate": ');
    assert.equal(notJson.status, 400);
  });

  await t.test('an unknown route is refused with 404 JSON and sent to none', async () => {
    const answer = await post(`${run.supervisorUrl}/consumers/admin/explode`, {});
    assert.equal(answer.status, 404);
    assert.equal(answer.body.field, 'route');
    assert.ok(answer.body.known.includes('slow-down'));
    assert.equal((await post(`${run.supervisorUrl}/producers/admin/slow-down`, { factor: 2 })).status, 404, 'producers have no slow-down');
  });

  await t.test('producers too: both take the production rate', async () => {
    const answer = await post(`${run.supervisorUrl}/producers/admin/config`, { production_rate: 3 });
    assert.equal(answer.status, 200);
    for (const n of [1, 2]) assert.equal((await get(`${run.producerUrl(n)}/status`)).config.production_rate, 3);
    assert.deepEqual((await supervisor()).fleet.producer.changed_from_defaults, { production_rate: 3 });
    await post(`${run.supervisorUrl}/producers/admin/config`, { production_rate: 0 });
  });

  await t.test("one consumer changed on its own port is named as differing from its role's", async () => {
    assert.equal((await post(`${run.consumerUrl(2)}/admin/config`, { processing_time_ms: 300 })).status, 200);
    const status = await waitFor(
      async () => {
        const s = await supervisor();
        return s.fleet.consumer.instances_differing['consumer-2'] ? s : undefined;
      },
      5000,
      'consumer-2 differing',
    );
    assert.deepEqual(status.fleet.consumer.instances_differing, { 'consumer-2': { processing_time_ms: { instance: 300, role: 100 } } });
  });

  await t.test('a restarted consumer starts with its role settings, no longer different', async () => {
    const before = (await supervisor()).instances.find((i: any) => i.name === 'consumer-2');
    process.kill(before.pid, 'SIGKILL');
    await waitFor(
      async () => {
        const s = await supervisor();
        const c2 = s.instances.find((i: any) => i.name === 'consumer-2');
        return c2.state === 'up' && c2.restarts === 1;
      },
      30_000,
      'consumer-2 back',
    );
    assert.equal((await consumerConfig(2)).processing_time_ms, 100);
    await waitFor(async () => Object.keys((await supervisor()).fleet.consumer.instances_differing).length === 0, 5000, 'none differing');
  });

  await t.test('a consumer the autoscaler adds runs at the slowed speed', async () => {
    for (const n of [1, 2]) await waitFor(async () => (await fetch(`${run.producerUrl(n)}/health/ready`)).ok, 30_000, `producer-${n}`);
    // 3 consumers × 2 at a time × 10/s = 60 items/s: 2 × 600 items keep the depth above 150 for a while.
    await Promise.all([1, 2].map((n) => post(`${run.producerUrl(n)}/produce`, { count: 600 })));
    await waitFor(
      async () => (await supervisor()).instances.some((i: any) => i.name === 'consumer-4' && i.state === 'up'),
      30_000,
      'consumer-4',
    );
    const added = await waitFor(
      async () => {
        const s = await get(`${run.consumerUrl(4)}/status`);
        return s.latency.processing_s.count >= 20 ? s : undefined;
      },
      30_000,
      'consumer-4 processing',
    );
    // Measured by the consumer's clock around each item: 100 ms, not the 20 ms it would start with.
    assert.ok(Math.abs(added.latency.processing_s.p50 - 0.1) < 0.01, `consumer-4 takes ${added.latency.processing_s.p50} s per item`);
    assert.equal(added.config.processing_time_ms, 100);
  });
});
