// The browser view in a real browser (Debian's Chromium, headless) against the real services:
// the charts draw and update, the numbers agree with /status, a mode button changes the mode
// and shows its curl command, a stopped consumer turns DOWN and comes back, the slowest items
// and an exercise run show, a step's button makes its request, Stop stops a run. Each step leaves
// a screenshot in artifacts/ui-screenshots/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openBrowser } from './helpers/browser';
import { type Service, startLab, startScript, startService, waitFor } from './helpers/services';
import { startStatusHop } from './helpers/status-hop';

/** The value behind a number on the page (its data-value), as the page last wrote it. */
const shown = (page: import('playwright-core').Page, stat: string) => page.locator(`[data-stat="${stat}"]`).getAttribute('data-value');

test('the browser view: charts, numbers, a mode button, a consumer that goes and comes back, an exercise', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0' }, { PROCESSING_TIME_MS: '20' });
  let consumer: Service = lab.consumer;
  t.after(() => Promise.all([lab.producer.stop(), consumer.stop()]));
  const ui = await startScript('ui/src/main.js', {
    UI_PORT: '0',
    PRODUCER_URL: lab.producer.url,
    CONSUMER_URL: lab.consumer.url,
    LAB_TIME_SCALE: '5',
  });
  t.after(() => ui.stop());
  const browser = await openBrowser();
  t.after(() => browser.close());
  const { page } = browser;
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(ui.url);

  await t.test('the charts draw and update', async () => {
    await page.waitForFunction(() => (window as any).lab?.charts.length >= 3, undefined, { timeout: 10_000 });
    assert.equal(await page.locator('.uplot canvas').count(), 6, 'six uPlot charts (the broker one hidden)');
    assert.equal(await page.locator('#chart-broker').isHidden(), true, 'no broker section in /status: no broker chart');
    const before = await page.evaluate(() => (window as any).lab.charts.length);
    await page.waitForFunction((n) => (window as any).lab.charts.length >= n + 2, before, { timeout: 5000 });
    await browser.screenshot('1-charts');
  });

  await t.test('the numbers agree with /status within one refresh', async () => {
    await lab.producer.post('/produce', { count: 37 });
    const status = await waitFor(
      async () => {
        const s = await lab.producer.get('/status');
        return s.accounting.sent === 37 ? s : undefined;
      },
      10_000,
      'the burst delivered',
    );
    const consumerStatus = await consumer.get('/status');
    // One refresh is 500 ms; allow two, and the time to draw.
    await waitFor(async () => (await shown(page, 'accounting.sent')) === '37', 1500, 'sent shown');
    assert.equal(await shown(page, 'accounting.produced'), String(status.accounting.produced));
    assert.equal(await shown(page, 'accounting.rejected'), String(status.accounting.rejected));
    assert.equal(await shown(page, 'queue.size'), String(status.queue.size));
    assert.equal(await shown(page, 'queue.mode'), status.queue.mode);
    assert.equal(await shown(page, 'dispatcher.breaker'), status.backend.breaker.state);
    assert.equal(await shown(page, 'memory.limit_mb'), String(status.process.memory_limit_mb));
    assert.equal(await shown(page, 'consumer_state.processing_time_ms'), String(consumerStatus.processing.time_ms));
    assert.equal(await shown(page, 'consumer_state.capacity_per_s'), String(consumerStatus.effective_max_throughput_per_s));
    assert.equal(await page.locator('[data-stat="accounting.sent"]').textContent(), '37');
    await browser.screenshot('2-numbers');
  });

  await t.test('the slowest items show with their ids', async () => {
    await page.locator('#slowest-items code').first().waitFor({ timeout: 5000 });
    assert.match((await page.locator('#slowest-items code').first().textContent()) ?? '', /^[0-9a-f]{8}$/);
    assert.ok((await page.locator('#slowest-items .bar span.send').count()) >= 1);
  });

  await t.test('a mode button changes the mode, and its curl command appears', async () => {
    await page.locator('button[data-mode="bounded"]').click();
    await waitFor(async () => (await lab.producer.get('/status')).queue.mode === 'bounded', 3000, 'mode bounded in /status');
    const command = page.locator('#commands li').first();
    await command.waitFor({ timeout: 3000 });
    const text = (await command.textContent()) ?? '';
    assert.ok(
      text.includes(
        `$ curl -s -X POST ${lab.producer.url}/admin/config -d '{"queue_mode": "bounded", "max_queue_size": 100, "overflow": "reject"}' | jq`,
      ),
      text,
    );
    assert.match(text, /→ 200 /);
    await waitFor(async () => (await shown(page, 'queue.mode')) === 'bounded', 1500, 'mode shown');
    assert.equal(await page.locator('button.current').textContent(), 'bounded');
    await browser.screenshot('3-mode-button');
  });

  await t.test('a stopped consumer turns DOWN, then comes back by itself', async () => {
    const port = new URL(consumer.url).port;
    await consumer.stop();
    const pill = page.locator('#consumer-health');
    await waitFor(async () => /^consumer DOWN since \d/.test((await pill.textContent()) ?? ''), 3000, 'DOWN shown');
    await page.waitForTimeout(1200); // a gap in the charts
    await browser.screenshot('4-consumer-down');
    consumer = await startService('consumer', { PORT: port, PROCESSING_TIME_MS: '20' });
    await waitFor(async () => (await pill.getAttribute('data-up')) === 'true', 3000, 'UP again');
    assert.match((await pill.textContent()) ?? '', /^consumer UP — (back|restarted) after \d/);
    await browser.screenshot('5-consumer-back');
  });

  await t.test('an exercise runs from the panel, each check marked PASS or FAIL as the runner judged it', async () => {
    assert.equal(await page.locator('#exercise-select').inputValue(), '01-baseline');
    await page.locator('#exercise-run').click();
    const verdict = page.locator('#exercise-verdict');
    await waitFor(async () => /^(PASS|FAIL) /.test((await verdict.textContent()) ?? ''), 60_000, 'the run ends');
    await browser.screenshot('6-exercise');
    // The runner's own printout (npm run lab's) is in the panel: the marks must say the same.
    const printed = (await page.locator('#exercise-output').textContent()) ?? '';
    const rows = await page
      .locator('#exercise-checks tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.equal(rows.length, 4);
    for (const [what, , measured, mark] of rows) {
      assert.match(measured!, /^\d/, `${what} measured`);
      const judged = new RegExp(`^\\s*(PASS|FAIL)  ${what}\\s`, 'm').exec(printed)?.[1];
      assert.equal(mark, judged, `${what}: the page says ${mark}, the runner ${judged}`);
    }
    const passed = rows.every((r) => r[3] === 'PASS');
    assert.equal(await verdict.textContent(), passed ? 'PASS 01-baseline' : 'FAIL 01-baseline');
    assert.ok(printed.trimEnd().endsWith(passed ? 'PASS 01-baseline' : 'FAIL 01-baseline'), printed);
    // Timing under load is the labs tests' concern (test/labs-seed.test.ts); here it is only told.
    if (!passed) console.log(`# exercise 01 did not pass here (a busy machine?):\n${printed}`);
  });

  await t.test("a step's button makes the step's request", async () => {
    await page.locator('#exercise-select').selectOption('02-slow-consumer');
    const step = page.locator('#exercise-steps li').first();
    await step.locator('button', { hasText: 'do it' }).waitFor({ timeout: 3000 });
    const before = (await consumer.get('/status')).processing.time_ms;
    await step.locator('button').click();
    await waitFor(async () => (await consumer.get('/status')).processing.time_ms === before * 5, 3000, 'slowed down 5×');
    // The page lists the command once the view's server has answered: wait for it, as a learner would.
    const expected = `$ curl -s -X POST ${consumer.url}/admin/slow-down -d '{"factor": 5}' | jq`;
    await waitFor(
      async () => ((await page.locator('#commands li').first().textContent()) ?? '').includes(expected),
      3000,
      'the curl line listed',
    );
    assert.ok(((await step.textContent()) ?? '').includes(`$ curl -s -X POST ${consumer.url}/admin/slow-down -d '{"factor": 5}' | jq`));
  });

  await t.test('a running exercise stops at the Stop button', async () => {
    const button = page.locator('#exercise-run');
    await button.click(); // 02, selected above: a minute of watching
    await waitFor(async () => (await button.textContent()) === 'Stop 02', 5000, 'running');
    await page.waitForTimeout(1000);
    await button.click();
    await waitFor(
      async () => (await page.locator('#exercise-verdict').textContent()) === 'FAIL 02-slow-consumer: stopped',
      5000,
      'stopped',
    );
    assert.equal(await button.textContent(), 'Run it');
  });

  assert.deepEqual(errors, [], 'no errors in the page');
});

test("a producer whose /status backend is RabbitMQ: its chart and fields appear, the dispatcher's do not", async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0' });
  t.after(() => lab.stop());
  let ready = 40;
  // The backend section as the broker backend reports it (status-model.ts): no dispatcher figures,
  // its connection, ready and unacked counts.
  const hop = await startStatusHop(lab.producer.url, (status) => {
    ready += 5;
    const backend = {
      kind: 'rabbitmq',
      depth: ready,
      ready,
      unacked: 7,
      bytes: ready * 300,
      bytes_estimated_from: 'last message body × ready',
      limits: {},
      acked_per_s: 3.5,
      connection: { connected: true, since: new Date().toISOString(), last_error: null },
      queue: 'lab.items',
      publishing: 0,
      publish_nacks: 0,
      counts_error: null,
      policy: { in_force: true, last_error: null, definition: { 'dead-letter-exchange': 'lab.dead' } },
    };
    return { ...status, backend };
  });
  t.after(() => hop.close());
  const ui = await startScript('ui/src/main.js', { UI_PORT: '0', PRODUCER_URL: hop.url, CONSUMER_URL: lab.consumer.url });
  t.after(() => ui.stop());
  const browser = await openBrowser({ width: 1280, height: 800 });
  t.after(() => browser.close());
  const { page } = browser;
  await page.goto(ui.url);
  await page.locator('#chart-broker').waitFor({ state: 'visible', timeout: 5000 });
  await page.waitForFunction(() => (window as any).lab.charts.length >= 3, undefined, { timeout: 5000 });
  const fields = (await page.locator('#broker-fields').textContent()) ?? '';
  for (const field of ['waiting in RabbitMQ (ready)', 'delivered, not yet acknowledged (unacked)', '7', 'connected to RabbitMQ', 'yes'])
    assert.ok(fields.includes(field), fields);
  // In plain words: no raw key (policy.in_force, acked_per_s) among the names.
  const names = await page.locator('#broker-fields dt').allTextContents();
  assert.ok(
    names.every((name) => !/[._]/.test(name)),
    names.join(' | '),
  );
  const series = await page.evaluate(() => {
    const charts = (window as any).lab.charts;
    const column = (name: string) => charts.data[charts.columns.indexOf(name)].filter((v: number | null) => v !== null);
    return { ready: column('broker_ready'), unacked: column('broker_unacked') };
  });
  assert.ok(series.ready.length >= 2 && series.ready.at(-1) > series.ready[0], `ready grows: ${series.ready}`);
  assert.ok(
    series.unacked.every((v: number) => v === 7),
    `${series.unacked}`,
  );
  await page.locator('#chart-broker').scrollIntoViewIfNeeded();
  await browser.screenshot('7-broker');
});
