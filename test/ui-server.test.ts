// The browser view's server over HTTP, against the real services: one scrape per interval however
// many pages watch; the buttons' route takes only the lab's admin requests, refuses bad input and
// other sites, forwards the page's token and shows it as $ADMIN_TOKEN; reset restores the defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Lab, type Service, startLab, startScript, waitFor } from './helpers/services';
import { startStatusHop } from './helpers/status-hop';

const TOKEN = 'lab-secret-token';

async function startUi(lab: Lab, env: Record<string, string> = {}): Promise<Service> {
  return startScript('ui/src/main.js', { UI_PORT: '0', PRODUCER_URL: lab.producer.url, CONSUMER_URL: lab.consumer.url, ...env });
}

/** Reads an event stream for `ms` and returns the names of the events it got. */
async function readEvents(url: string, ms: number): Promise<string[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
  const names: string[] = [];
  try {
    for await (const chunk of res.body!)
      names.push(
        ...[
          ...Buffer.from(chunk)
            .toString()
            .matchAll(/^event: (\w+)$/gm),
        ].map((m) => m[1]!),
      );
  } catch {
    // the timeout ends the stream
  }
  return names;
}

test('five pages watching: one scrape of the producer per interval, the same frames for each', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '5' });
  t.after(() => lab.stop());
  // A counting hop in front of the producer: every /status the view asks for passes through it.
  const hop = await startStatusHop(lab.producer.url);
  t.after(() => hop.close());
  const ui = await startScript('ui/src/main.js', {
    UI_PORT: '0',
    PRODUCER_URL: hop.url,
    CONSUMER_URL: lab.consumer.url,
    UI_REFRESH_MS: '250',
  });
  t.after(() => ui.stop());

  const pages = await Promise.all(Array.from({ length: 5 }, () => readEvents(`${ui.url}/events`, 3000)));
  for (const events of pages) {
    assert.equal(events[0], 'history');
    const frames = events.filter((e) => e === 'frame').length;
    assert.ok(frames >= 6 && frames <= 13, `${frames} frames in 3 s at 4 a second`);
  }
  // 3 s at 4 a second is 12 scrapes, for five pages as for one (not 60).
  assert.ok(hop.statusRequests >= 6 && hop.statusRequests <= 14, `${hop.statusRequests} scrapes of /status`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const afterPagesLeft = hop.statusRequests;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(hop.statusRequests, afterPagesLeft, 'no page watching: no scraping');
});

test("the buttons' route: only the lab's admin requests, bad input refused naming the field, other sites refused", async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0' });
  t.after(() => lab.stop());
  const ui = await startUi(lab);
  t.after(() => ui.stop());
  const send = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${ui.url}/api/command`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const refused: [unknown, string][] = [
    [{ service: 'database', path: '/admin/config' }, 'service'],
    [{ service: 'producer', path: '/jobs' }, 'path'],
    [{ service: 'consumer', path: '/admin/clear-queue' }, 'path'],
    [{ service: 'producer', path: '/admin/config', body: { queue_mode: { nested: true } } }, 'body.queue_mode'],
    [{ service: 'producer', path: '/admin/config', url: 'http://elsewhere' }, 'url'],
    ['{"service": "producer",', 'body'],
  ];
  for (const [body, field] of refused) {
    const res = await send(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal((await res.json()).field, field, JSON.stringify(body));
  }
  const crossSite = await send(
    { service: 'producer', path: '/admin/config', body: { queue_mode: 'bounded' } },
    { Origin: 'http://evil.example' },
  );
  assert.equal(crossSite.status, 403);
  assert.equal((await crossSite.json()).field, 'origin');
  assert.equal((await lab.producer.get('/status')).queue.mode, 'unbounded', 'nothing refused changed anything');

  // What the service refuses comes back as its own answer, with the command that was sent.
  const invalid = await (await send({ service: 'producer', path: '/admin/config', body: { queue_mode: 'bogus' } })).json();
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.field, 'queue_mode');
  assert.equal(invalid.curl, `curl -s -X POST ${lab.producer.url}/admin/config -d '{"queue_mode": "bogus"}' | jq`);

  const reset = await (
    await fetch(`${ui.url}/api/reset`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })
  ).json();
  assert.deepEqual(
    reset.map((r: any) => r.status),
    [200, 200, 200],
  );
  assert.match(reset[2].curl, /\/admin\/clear-queue \| jq$/);
});

test('with ADMIN_TOKEN on the services: 401 without the token, sent with it, shown as $ADMIN_TOKEN', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0', ADMIN_TOKEN: TOKEN }, { ADMIN_TOKEN: TOKEN });
  t.after(() => lab.stop());
  const ui = await startUi(lab);
  t.after(() => ui.stop());
  const command = { service: 'consumer', path: '/admin/slow-down', body: { factor: 2 } };
  const send = (headers: Record<string, string>) =>
    fetch(`${ui.url}/api/command`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(command),
    }).then((r) => r.json());

  const without = await send({});
  assert.equal(without.status, 401);
  assert.equal(without.curl, `curl -s -X POST ${lab.consumer.url}/admin/slow-down -d '{"factor": 2}' | jq`);
  const withToken = await send({ Authorization: `Bearer ${TOKEN}` });
  assert.equal(withToken.status, 200);
  assert.equal(
    withToken.curl,
    `curl -s -X POST -H "Authorization: Bearer $ADMIN_TOKEN" ${lab.consumer.url}/admin/slow-down -d '{"factor": 2}' | jq`,
  );
  await waitFor(async () => (await lab.consumer.get('/status')).processing.time_ms === 200, 2000, 'slowed down');
  // The page never carries the token: it is not in anything the server serves.
  for (const route of ['/', '/app.js', '/controls.js', '/api/config']) {
    assert.ok(!(await (await fetch(ui.url + route)).text()).includes(TOKEN), route);
  }
});
