// Steps that the cluster exercises (42–45) share: every node up, clients placed on chosen nodes,
// the books (confirmed publishes against processed items) noted before and after, and a node
// killed or hung while the producer's confirms are sampled every 50 ms — the longest pause in them
// is how long publishing stalled.
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeAction } from '../../scripts/rabbitmq-control';
import {
  type Client,
  closeConnections,
  labCluster,
  type NodeTarget,
  nodeAction,
  nodeStates,
  queueInfo,
  rabbitmqctl,
  resolveNode,
} from '../src/broker-nodes';
import { type ActionContext, action, type Exercise, post, type Step, until } from '../src/exercise';
import { instanceUrl, type ProducerStatus, request, requestWhenUp, type Urls } from '../src/services';

export const CLUSTER_START =
  'RABBITMQ_NODES=3 npm run rabbitmq, then QUEUE_BACKEND=rabbitmq QUEUE_TYPE=quorum AMQP_URL=… RABBITMQ_MANAGEMENT_URL=… npm start';

export const NEEDS_CLUSTER =
  'This exercise needs a three-node RabbitMQ cluster and a quorum queue: `RABBITMQ_NODES=3 npm run rabbitmq` in one ' +
  'terminal, then in another the line it prints, with `QUEUE_TYPE=quorum` (`QUEUE_BACKEND=rabbitmq QUEUE_TYPE=quorum ' +
  'AMQP_URL=amqp://guest:guest@127.0.0.1:5672,amqp://guest:guest@127.0.0.1:5673,amqp://guest:guest@127.0.0.1:5674 ' +
  'RABBITMQ_MANAGEMENT_URL=http://guest:guest@127.0.0.1:15672,http://guest:guest@127.0.0.1:15673,http://guest:guest@127.0.0.1:15674 ' +
  'npm start`). `npm run rabbitmq-node -- kill 2` (hang, resume, restart) acts on a node; see docs/cluster.md.';

/** The exercise's `needs`: a quorum queue on a cluster of three that `npm run rabbitmq` controls. */
export const needsCluster = (producers = 1): Exercise['needs'] => ({
  start: `a three-node cluster (${CLUSTER_START})`,
  running: async (urls) => {
    const { body } = await request<ProducerStatus>(`${urls.producer}/status`);
    if (body.backend.queue_type !== 'quorum' || (body.backend.cluster?.nodes.length ?? 0) < 3) return false;
    await labCluster(urls);
    return producers === 1 || (await request(`${instanceUrl(urls.producer, producers)}/status`).then((a) => a.status === 200));
  },
  uses: { producer: producers },
});

/** Every node running (hung ones resumed, dead ones restarted) and lab.items on all of them. */
export const wholeCluster = (): Step[] => [
  action('Every node of the cluster up', 'npm run rabbitmq-node -- list     # restart or resume any node that is not', async (ctx) => {
    const cluster = await labCluster(ctx.urls);
    for (const node of await nodeStates(cluster)) {
      if (node.hung) await nodeAction(cluster, node.node, 'resume');
      if (!node.running) await nodeAction(cluster, node.node, 'restart');
      if (node.hung || !node.running) ctx.say(`node ${node.node} (${node.name}) ${node.hung ? 'resumed' : 'restarted'}`);
    }
    ctx.say('every node runs');
  }),
  until(
    'Wait until the producer sees every node up and lab.items online on each',
    (s) => {
      const view = s.producer?.backend.cluster;
      return !!view && view.nodes.length >= 3 && view.nodes.every((n) => n.state === 'up') && view.online.length === view.nodes.length;
    },
    90,
    { jq: '.backend.cluster | {nodes: [.nodes[] | {name, state}], leader, online}' },
  ),
];

/** Closes `client`'s connection while it is on `away` (it moves to the next node of its list). */
export const moveClient = (client: Client, away: NodeTarget, say: string): Step =>
  action(
    say,
    `curl -s -u guest:guest localhost:15672/api/connections | jq '.[] | {name, node, client: .client_properties.connection_name}'\ncurl -u guest:guest -X DELETE localhost:15672/api/connections/<its name>`,
    async (ctx) => {
      const cluster = await labCluster(ctx.urls);
      for (let attempt = 0; attempt < 5; attempt++) {
        const avoid = await resolveNode(ctx.urls, cluster, away);
        const on = await clientNode(ctx.urls, client);
        if (on !== undefined && on !== cluster.names[avoid - 1]) {
          ctx.say(`the ${client} is on ${on}, not on node ${avoid}`);
          return;
        }
        await closeConnections(cluster, client, avoid);
        await sleep(2000); // it waits 0.5 s after a lost connection, then connects to the next node
      }
      throw new Error(`the ${client} did not leave ${String(away)}`);
    },
  );

/** The node name a client is connected to now (undefined while it is not connected). */
async function clientNode(urls: Urls, client: Client): Promise<string | undefined> {
  const { body } = await request(`${urls[client]}/status`);
  const connection = client === 'producer' ? body.backend.connection : body.broker;
  if (!connection?.connected) return undefined;
  const port = Number(String(connection.node).split(':')[1]);
  return `lab${port}@localhost`;
}

/** The books at one moment: confirmed publishes of every producer, the consumer's processed items and its duplicates. */
export const noteBooks = (name: string, producers = 1): Step =>
  action(
    `Note the books (${name}): published by the producer${producers > 1 ? 's' : ''}, processed by the consumer`,
    `curl -s localhost:8000/status | jq '{published: .accounting.published, resends: .backend.resends, failovers: .backend.connection.failovers}'\ncurl -s localhost:8001/status | jq '{processed: .totals.processed, duplicates: .broker.duplicates}'`,
    async (ctx) => {
      let published = 0;
      for (let n = 1; n <= producers; n++) {
        const { body } = await requestWhenUp<ProducerStatus>(`${instanceUrl(ctx.urls.producer, n)}/status`);
        published += (body.accounting as { published: number }).published;
        if (n === 1) {
          ctx.record(`${name} resends`, body.backend.resends ?? NaN);
          ctx.record(`${name} failovers`, body.backend.connection?.failovers ?? NaN);
        }
      }
      const consumer = (await requestWhenUp(`${ctx.urls.consumer}/status`)).body;
      ctx.record(`${name} published`, published);
      ctx.record(`${name} processed`, consumer.totals.processed);
      ctx.record(`${name} duplicates`, consumer.broker.duplicates);
      ctx.say(`published ${published}, processed ${consumer.totals.processed}, duplicates ${consumer.broker.duplicates}`);
    },
  );

/** Between two notes of the books: items confirmed to a producer that the consumer never processed. */
export const confirmedLost = (r: { value(name: string): number }, from = 'before', to = 'after') =>
  r.value(`${to} published`) - r.value(`${from} published`) - (r.value(`${to} processed`) - r.value(`${from} processed`));

/** Nothing being published, nothing ready in lab.items, nothing held by the consumer (every producer). */
export const publishedAllProcessed = (producers = 1): Step =>
  action(
    'Wait until every confirmed item is processed (nothing publishing, nothing ready, nothing held)',
    "curl -s localhost:8000/status | jq '{publishing: .backend.publishing, ready: .backend.ready}'",
    async (ctx) => {
      const deadline = performance.now() + 120_000;
      for (;;) {
        const seen = await Promise.all(
          Array.from({ length: producers }, async (_, i) => {
            const { backend } = (await requestWhenUp<ProducerStatus>(`${instanceUrl(ctx.urls.producer, i + 1)}/status`)).body;
            return { publishing: backend.publishing, ready: backend.ready, connected: backend.connection?.connected };
          }),
        );
        const { broker } = (await requestWhenUp(`${ctx.urls.consumer}/status`)).body;
        const producersIdle = seen.every((p) => p.publishing === 0 && p.ready === 0 && p.connected === true);
        if (producersIdle && broker.holding === 0 && broker.connected) return;
        if (performance.now() > deadline) {
          const consumer = { holding: broker.holding, connected: broker.connected };
          throw new Error(`the queue did not drain within 120 s: producers ${JSON.stringify(seen)}, consumer ${JSON.stringify(consumer)}`);
        }
        await sleep(500);
      }
    },
  );

/** Production stopped on every producer and every confirmed item processed: the books can be noted. */
export const quiet = (producers = 1): Step[] => [
  ...Array.from({ length: producers }, (_, i) =>
    action(
      `Stop producer-${i + 1}'s generator`,
      `curl -s -X POST localhost:${8000 + 2 * i}/admin/config -d '{"production_rate": 0}' | jq`,
      async (ctx) => {
        const answer = await request(`${instanceUrl(ctx.urls.producer, i + 1)}/admin/config`, 'POST', { production_rate: 0 });
        if (answer.status >= 400) throw new Error(`producer-${i + 1} answered ${answer.status}`);
      },
    ),
  ),
  publishedAllProcessed(producers),
];

/**
 * Acts on a node while sampling the producer's confirmed publishes every 50 ms, from 1 s before
 * to `seconds` after: records `${name} stall ms`, the longest time after the action in which that
 * count did not move (until it moves again), and `${name} node`.
 */
export const nodeWhilePublishing = (target: NodeTarget, act: NodeAction, seconds: number, name: string, say: string): Step =>
  action(say, `npm run rabbitmq-node -- ${act} <N>     # N: the ${describeTarget(target)}`, async (ctx) => {
    const cluster = await labCluster(ctx.urls);
    const node = await resolveNode(ctx.urls, cluster, target);
    ctx.record(`${name} node`, node);
    const samples = await sampleAround(ctx, seconds, async () => {
      await nodeAction(cluster, node, act);
      ctx.say(`node ${node} (${cluster.names[node - 1]}): ${act}`);
    });
    const stall = longestPause(samples.list, samples.actedAt);
    ctx.record(`${name} stall ms`, stall);
    ctx.say(`publishing stalled ${Math.round(stall)} ms (the longest pause in the producer's confirms after the ${act})`);
  });

const describeTarget = (target: NodeTarget) =>
  typeof target === 'number'
    ? `node ${target}`
    : target === 'leader'
      ? "queue's leader (management API: .leader)"
      : target.replace('-', "'s ");

async function sampleAround(ctx: ActionContext, seconds: number, act: () => Promise<void>) {
  const list: { at: number; published: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const answer = await request<ProducerStatus>(`${ctx.urls.producer}/status`).catch(() => undefined);
      if (answer?.status === 200)
        list.push({ at: performance.now(), published: (answer.body.accounting as { published: number }).published });
      await sleep(50);
    }
  })();
  await sleep(1000);
  const actedAt = performance.now();
  try {
    await act();
    await sleep(seconds * 1000);
  } finally {
    running = false;
    await loop;
  }
  return { list, actedAt };
}

/** The longest span after `from` with no new confirm (a pause still going on at the end counts to the end). */
export function longestPause(samples: { at: number; published: number }[], from: number): number {
  let previous = samples.filter((s) => s.at <= from).at(-1)?.published ?? 0;
  let lastMove = from;
  let longest = 0;
  for (const sample of samples.filter((s) => s.at > from)) {
    if (sample.published !== previous) {
      longest = Math.max(longest, sample.at - lastMove);
      lastMove = sample.at;
      previous = sample.published;
    }
  }
  const end = samples.at(-1)?.at ?? from;
  return Math.max(longest, end - lastMove);
}

/** rabbitmqctl against node N of the lab (`npm run rabbitmqctl -- --node N …`). */
export const ctlStep = (node: number, args: string[], say: string): Step =>
  action(say, `npm run rabbitmqctl -- --node ${node} ${args.join(' ')}`, async (ctx) => {
    const out = await rabbitmqctl(await labCluster(ctx.urls), node, args);
    ctx.say(out.trim().split('\n').slice(-1)[0] ?? '');
  });

/** Records the producer's connection figures and the queue's leader after an event. */
export const noteLeader = (name: string): Step =>
  action(`Which node leads lab.items now (${name})`, "curl -s localhost:8000/status | jq '.backend.cluster.leader'", async (ctx) => {
    const cluster = await labCluster(ctx.urls);
    const deadline = performance.now() + 30_000;
    for (;;) {
      // A leader that is online: the management API names a dead one for a moment after it died.
      const info = await queueInfo(cluster).catch(() => undefined);
      const leader = info?.leader && info.online.includes(info.leader) ? cluster.names.indexOf(info.leader) + 1 : 0;
      if (leader > 0) {
        ctx.record(`${name} leader`, leader);
        ctx.say(`node ${leader} (${cluster.names[leader - 1]})`);
        return;
      }
      if (performance.now() > deadline) throw new Error('lab.items has no leader after 30 s');
      await sleep(500);
    }
  });

/** A fast consumer (2 ms an item, 20 at once): the queue stays short, so what is lost or late shows. */
export const fastConsumer = () =>
  post('consumer', '/admin/config', { processing_time_ms: 2, max_concurrency: 20 }, 'A fast consumer: the queue stays short');
