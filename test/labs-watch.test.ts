// `npm run watch`: frames rendered from live services (content checked, not pixels), including a
// service that goes down and comes back, and the real CLI's refresh rate.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { takeSnapshot } from '../labs/src/snapshot';
import { WatchModel } from '../labs/src/watch-model';
import { renderFrame } from '../labs/src/watch-render';
import { startProcess } from './helpers/process';
import { freePort, sleep, startService } from './helpers/services';

const WATCH = path.resolve(__dirname, '../labs/src/watch.js');

/** Feeds the model for `ms`, as the view does, and renders the last state. */
async function frameAfter(model: WatchModel, urls: { producer: string; consumer: string }, ms: number): Promise<string> {
  const end = performance.now() + ms;
  let state = model.update(await takeSnapshot(urls));
  while (performance.now() < end) {
    await sleep(200);
    state = model.update(await takeSnapshot(urls));
  }
  return renderFrame(state, { width: 200, color: false });
}

test('the view shows queue, rates, memory, wait, mode and breaker; a service down and back; OpenMetrics with exemplars', async (t) => {
  // Tracing on (to an address where nothing listens): the services serve OpenMetrics with exemplars.
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` };
  const consumerEnv = { ...otel, PORT: String(await freePort()), PROCESSING_TIME_MS: '20' };
  let consumer = await startService('consumer', consumerEnv);
  const producer = await startService('producer', { ...otel, CONSUMER_URL: consumer.url, PRODUCTION_RATE: '40', MEMORY_LIMIT_MB: '200' });
  t.after(async () => {
    await producer.stop();
    await consumer.stop();
  });
  const urls = { producer: producer.url, consumer: consumer.url };
  const model = new WatchModel(urls);

  let frame = await frameAfter(model, urls, 2500);
  const metrics = await (await fetch(`${consumer.url}/metrics`)).text();
  assert.match(metrics, /^backpressure_queue_wait_seconds_bucket\{.*\} \d+ # \{trace_id="[0-9a-f]+"/m, 'exemplars are served');
  t.diagnostic(`\n${frame}`);
  assert.match(frame, new RegExp(`PRODUCER +${producer.url} +● up`));
  assert.match(frame, new RegExp(`CONSUMER +${consumer.url} +● up`));
  assert.match(frame, /mode +unbounded \(no limit\) +breaker closed/);
  assert.match(frame, /queue +\[[█░]+\] \d+ \(no limit; bar to \d+\)/);
  assert.match(frame, /memory +\[[█░]+\] [\d.]+ \/ 200 MB RSS/);
  const produced = Number(/produced ([\d.]+)\/s/.exec(frame)?.[1]);
  const processed = Number(/processed ([\d.]+)\/s/.exec(frame)?.[1]);
  assert.ok(produced > 25 && produced < 55, `produced rate ${produced}, made 40/s`);
  assert.ok(processed > 25 && processed < 55, `processed rate ${processed}`);
  assert.match(frame, /work +20 ms × 2 at a time = 100\/s capacity/);
  assert.match(frame, /p95 queue wait \(last 10 s\) \d+ ms/, 'p95 of the actual waits, from /status');
  assert.match(frame, /✔ balanced/);

  // A bounded queue under backpressure: the bar has its limit, rejections show.
  await producer.post('/admin/config', { queue_mode: 'bounded', max_queue_size: 20 });
  await consumer.post('/admin/slow-down', { factor: 10 });
  frame = await frameAfter(model, urls, 2500);
  assert.match(frame, /mode +bounded \(max 20, reject\)/);
  // Full: each of the two senders may just have taken an item whose place is not yet refilled.
  assert.match(frame, /queue +\[█+░*\] (18|19|20) \/ 20/);
  assert.ok(Number(/rejected ([\d.]+)\/s/.exec(frame)?.[1]) > 10, `rejections shown:\n${frame}`);

  // Open arrivals under block: the mode line counts the callers waiting and what they hold.
  await producer.post('/admin/config', { queue_mode: 'block', arrivals: 'open' });
  frame = await frameAfter(model, urls, 1000);
  assert.match(frame, /mode +block \(max 20, blocked [\d.]+ s in all\) open arrivals: \d+ callers waiting, [\d.]+ MB/);
  await producer.post('/admin/config', { queue_mode: 'bounded', arrivals: 'closed' });

  // The consumer dies: the view says so, and keeps showing the producer.
  await consumer.stop('SIGKILL');
  frame = await frameAfter(model, urls, 1000);
  t.diagnostic(`\n${frame}`);
  assert.match(frame, /CONSUMER .* ✖ DOWN for [\d.]+ (ms|s) \(connection refused\) — waiting for it to come back/);
  assert.match(frame, /PRODUCER .* ● up/);
  assert.doesNotMatch(frame, /work +/, 'no stale consumer numbers');

  // It comes back on the same address: the view notices, and that it is a new process.
  await sleep(1500);
  consumer = await startService('consumer', consumerEnv);
  frame = await frameAfter(model, urls, 600);
  t.diagnostic(`\n${frame}`);
  assert.match(frame, /CONSUMER .* ● up .* back after [\d.]+ s \(restarted: a new process/);
  assert.match(frame, /work +20 ms × 2 at a time/);
});

test('npm run watch redraws at least twice a second and reports a producer that is down', async (t) => {
  const consumer = await startService('consumer');
  t.after(() => consumer.stop());
  const nothing = `http://127.0.0.1:${await freePort()}`;
  const watch = startProcess(process.execPath, [WATCH], { PRODUCER_URL: nothing, CONSUMER_URL: consumer.url });
  const started = performance.now();
  await watch.waitForOutput(/CONSUMER/, 10_000); // a first frame
  const firstFrameAt = performance.now();
  const framesBefore = watch.output.split('Backpressure Lab — live view').length - 1;
  await sleep(2000);
  await watch.stop();
  const output = watch.output;
  const frames = output.split('Backpressure Lab — live view').length - 1 - framesBefore;
  t.diagnostic(`${frames} frames in 2 s (first after ${Math.round(firstFrameAt - started)} ms)`);
  assert.ok(frames >= 4, `${frames} frames in 2 s`);
  assert.match(output, new RegExp(`PRODUCER +${nothing} +✖ DOWN for .* \\(connection refused\\)`));
  assert.match(output, /CONSUMER .* ● up/);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts a colour code
  assert.doesNotMatch(output, /\x1b\[/, 'no ANSI codes when not on a terminal');
});
