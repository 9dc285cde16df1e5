// The generator's achieved rate at several settings. The consumer is paused so that only the
// generator is measured, not delivery. Generous tolerances: precise figures are `npm run bench`'s.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Lab, sleep, startLab } from './helpers/services';

let lab: Lab;
before(async () => {
  lab = await startLab({ PRODUCTION_RATE: '0', PAYLOAD_BYTES: '0', SENDER_CONCURRENCY: '1' }, { PAUSED: 'true' });
});
after(() => lab.stop());

async function measure(rate: number, seconds: number): Promise<number> {
  await lab.producer.post('/admin/config', { production_rate: rate });
  await sleep(300);
  const a = await lab.producer.get('/status');
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const b = await lab.producer.get('/status');
  return (b.accounting.produced - a.accounting.produced) / ((performance.now() - t0) / 1000);
}

for (const [rate, seconds, tolerance] of [
  [5, 4, 0.3],
  [100, 2, 0.1],
  [1000, 2, 0.05],
  [5000, 2, 0.05],
] as const) {
  test(`production_rate ${rate}/s is achieved within ±${tolerance * 100}%`, async () => {
    const achieved = await measure(rate, seconds);
    assert.ok(Math.abs(achieved - rate) / rate <= tolerance, `achieved ${achieved.toFixed(1)}/s for ${rate}/s`);
  });
}

test('production_rate 0 stops the generator', async () => {
  const achieved = await measure(0, 1);
  assert.equal(achieved, 0);
});

test('a rate set while the generator idles at 0 takes effect at once, not at its next wake-up', async () => {
  await lab.producer.post('/admin/config', { production_rate: 0 });
  await sleep(1200); // at rate 0 the generator sleeps up to a second between looks
  const a = await lab.producer.get('/status');
  await lab.producer.post('/admin/config', { production_rate: 1000 });
  await sleep(300);
  const b = await lab.producer.get('/status');
  const produced = b.accounting.produced - a.accounting.produced;
  assert.ok(produced >= 100, `${produced} items in the first 0.3 s at 1000/s`);
});

test('a producer stalled for 0.6 s (SIGSTOP) makes up the items it owed at the next tick', async () => {
  await lab.producer.post('/admin/config', { production_rate: 100 });
  await sleep(300);
  const a = await lab.producer.get('/status');
  const t0 = performance.now();
  lab.producer.child.kill('SIGSTOP');
  await sleep(600);
  lab.producer.child.kill('SIGCONT');
  await sleep(1400);
  const b = await lab.producer.get('/status');
  const expected = (100 * (performance.now() - t0)) / 1000;
  const produced = b.accounting.produced - a.accounting.produced;
  assert.ok(Math.abs(produced - expected) / expected <= 0.1, `produced ${produced}, ${expected.toFixed(0)} were due`);
});
