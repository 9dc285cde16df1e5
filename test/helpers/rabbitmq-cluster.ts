// A real three-node RabbitMQ cluster for test/cluster.test.ts, started the way `RABBITMQ_NODES=3
// npm run rabbitmq` starts one (scripts/rabbitmq-server.ts), on free 127.0.0.1 ports; one per test
// file since it takes ~30 s to form. Also: the environment that puts a service on it with a
// quorum queue (nodes in a chosen order: a service connects to the first that answers), the
// queue's leader, and a watch of the producer's confirms that measures how long publishing stalled.

import { ITEMS_QUEUE } from '../../common/src/broker-topology';
import { type RabbitMQCluster, startRabbitMQCluster } from '../../scripts/rabbitmq-server';
import { type Service, sleep, startService, waitFor } from './services';

export type { RabbitMQCluster };

export const startCluster = (nodes = 3) => startRabbitMQCluster({ nodes, amqpPort: 0, managementPort: 0 });

/** Broker mode on a quorum queue, the nodes listed in `order` (0-based indexes), plus `extra` URLs first. */
export function clusterEnv(cluster: RabbitMQCluster, order = [0, 1, 2], extra: { amqp?: string; management?: string } = {}) {
  const pick = (key: 'amqpUrl' | 'managementUrl') => order.map((i) => cluster.nodes[i]![key]);
  return {
    QUEUE_BACKEND: 'rabbitmq',
    QUEUE_TYPE: 'quorum',
    AMQP_URL: [extra.amqp, ...pick('amqpUrl')].filter(Boolean).join(','),
    RABBITMQ_MANAGEMENT_URL: [extra.management, ...pick('managementUrl')].filter(Boolean).join(','),
  };
}

/** The management API of a node that is up. */
export async function clusterApi(cluster: RabbitMQCluster, route: string, method = 'GET'): Promise<any> {
  for (const node of cluster.nodes.filter((n) => n.running)) {
    const { origin, username, password } = new URL(node.managementUrl);
    const res = await fetch(origin + route, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
    if (!res) continue;
    const text = await res.text();
    if (!res.ok && res.status !== 404) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  throw new Error('no node of the cluster answers');
}

/** The index of the node leading lab.items (a quorum queue), once it has one. */
export async function leaderIndex(cluster: RabbitMQCluster): Promise<number> {
  const leader = await waitFor(
    async () => (await clusterApi(cluster, `/api/queues/%2F/${encodeURIComponent(ITEMS_QUEUE)}`).catch(() => undefined))?.leader,
    30_000,
    'lab.items to have a leader',
  );
  return cluster.nodes.findIndex((node) => node.nodeName === leader);
}

/** The index of the node a producer is connected to (its /status names host:port). */
export async function connectedNode(cluster: RabbitMQCluster, service: Service): Promise<number> {
  const status = await service.get('/status');
  const hostPort: string = status.backend.connection.node;
  return cluster.nodes.findIndex((node) => new URL(node.amqpUrl).host === hostPort);
}

/** Starts a killed or stopped node again and waits until it is back in the cluster. */
export async function restartNode(cluster: RabbitMQCluster, index: number): Promise<void> {
  cluster.nodes[index]!.start();
  await cluster.waitReady(index, cluster.nodes.length);
}

/** A quorum-queue producer and consumer on the cluster, each with its node order; both ready. */
export async function startClusterLab(
  cluster: RabbitMQCluster,
  options: {
    producerOrder?: number[];
    consumerOrder?: number[];
    producer?: Record<string, string>;
    consumer?: Record<string, string>;
  } = {},
) {
  const consumer = await startService('consumer', {
    ...clusterEnv(cluster, options.consumerOrder),
    PROCESSING_TIME_MS: '1',
    MAX_CONCURRENCY: '20',
    ...options.consumer,
  });
  const producer = await startService('producer', { ...clusterEnv(cluster, options.producerOrder), ...options.producer });
  for (const service of [consumer, producer])
    await waitFor(async () => (await fetch(`${service.url}/health/ready`)).ok, 60_000, `${service.url} to be ready`);
  return { producer, consumer };
}

/**
 * Samples the producer's confirmed publishes (`published`) every 20 ms. stallAfter(t) gives the
 * longest time after `t` during which that count did not move: how long publishing stopped.
 */
export function watchConfirms(producer: Service) {
  const samples: { at: number; published: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const status = await producer.get('/status').catch(() => undefined);
      if (status) samples.push({ at: performance.now(), published: status.accounting.published });
      await sleep(20);
    }
  })();
  return {
    samples,
    stallAfter(from: number): number {
      let longest = 0;
      let lastMove = from;
      let previous = samples.filter((s) => s.at <= from).at(-1)?.published ?? 0;
      for (const sample of samples.filter((s) => s.at > from)) {
        if (sample.published !== previous) {
          longest = Math.max(longest, sample.at - lastMove);
          lastMove = sample.at;
          previous = sample.published;
        }
      }
      return longest;
    },
    async stop(): Promise<void> {
      running = false;
      await loop;
    },
  };
}

/** Waits until the consumer has processed every published item (the queue drained), and returns both counts. */
export async function drained(producer: Service, consumer: Service, timeoutMs = 60_000) {
  await producer.post('/admin/config', { production_rate: 0 });
  let last = '';
  const counts = await waitFor(
    async () => {
      const [p, c] = [await producer.get('/status'), await consumer.get('/status')];
      const counts = {
        published: p.accounting.published,
        publishing: p.backend.publishing,
        resends: p.backend.resends,
        processed: c.totals.processed,
        duplicates: c.broker.duplicates,
        redeliveries: c.broker.redeliveries,
        ready: p.backend.ready,
        holding: c.broker.holding,
        consumer_connected: c.broker.connected,
      };
      const key = JSON.stringify(counts);
      const settled = key === last && counts.publishing === 0 && counts.ready === 0 && counts.holding === 0 && counts.consumer_connected;
      last = key;
      if (!settled) await sleep(500);
      return settled ? counts : undefined;
    },
    timeoutMs,
    'the queue to drain',
  );
  return counts!;
}
