// The browser view's goodput figure shows the consumer's own counts, number for number: the frame's
// `goodput` against the consumer's GET /status, once the items are settled (nothing moves).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLab, startScript, waitSettled } from './helpers/services';

/** The `panel` of the first frame event on the view's stream. */
async function firstFrame(url: string): Promise<any> {
  const res = await fetch(`${url}/events`, { signal: AbortSignal.timeout(15_000) });
  let text = '';
  for await (const chunk of res.body!) {
    text += Buffer.from(chunk).toString();
    const match = /event: frame\ndata: (.*)\n\n/.exec(text);
    if (match) return JSON.parse(match[1]!).panel;
  }
  throw new Error('no frame');
}

test('the goodput figure: in time, late and expired as the consumer counted them', async (t) => {
  // One sender, 2 s an item, three jobs with a 3 s deadline: one in time, one late, one expired.
  const lab = await startLab({ PRODUCTION_RATE: '0', SENDER_CONCURRENCY: '1' }, { PROCESSING_TIME_MS: '2000', MAX_CONCURRENCY: '1' });
  t.after(() => lab.stop());
  await Promise.all([1, 2, 3].map(() => lab.producer.post('/jobs', { deadline_ms: 3000 })));
  await waitSettled(lab.producer, 20_000);
  const ui = await startScript('ui/src/main.js', { UI_PORT: '0', PRODUCER_URL: lab.producer.url, CONSUMER_URL: lab.consumer.url });
  t.after(() => ui.stop());
  const panel = await firstFrame(ui.url);
  const consumer = (await lab.consumer.get('/status')).goodput;
  assert.equal(panel.goodput.processed_in_deadline, consumer.processed_in_deadline);
  assert.equal(panel.goodput.processed_late, consumer.processed_late);
  assert.equal(panel.goodput.expired, consumer.expired);
  const processed = consumer.processed_in_deadline + consumer.processed_late;
  assert.ok(processed >= 1, JSON.stringify(consumer));
  assert.equal(panel.goodput.late_percent, Math.round((1000 * consumer.processed_late) / processed) / 10);
});
