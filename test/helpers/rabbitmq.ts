// A real RabbitMQ for the broker tests (Debian's rabbitmq-server, installed by .ci/run): started
// on free 127.0.0.1 ports the way `npm run rabbitmq` starts it (scripts/rabbitmq-server.ts), one
// per test file since it takes ~10 s, and stopped by PID with its own epmd. Also the services
// pointed at it, and the accounting that adds up across the producer, the consumers and the broker.

import amqp from 'amqplib';
import { DEAD_LETTER_QUEUE, GIVEN_UP_QUEUE, ITEMS_QUEUE } from '../../common/src/broker-topology';
import { type RabbitMQ, startRabbitMQ } from '../../scripts/rabbitmq-server';
import { type Service, sleep, startService, waitFor } from './services';

export type { RabbitMQ };

export function startBroker(ports: { amqpPort?: number; managementPort?: number } = {}): Promise<RabbitMQ> {
  return startRabbitMQ({ amqpPort: ports.amqpPort ?? 0, managementPort: ports.managementPort ?? 0 });
}

/** The environment that puts a service on this broker. */
export const brokerEnv = (rabbit: { amqpUrl: string; managementUrl: string }) => ({
  QUEUE_BACKEND: 'rabbitmq',
  AMQP_URL: rabbit.amqpUrl,
  RABBITMQ_MANAGEMENT_URL: rabbit.managementUrl,
});

export const startBrokerProducer = (rabbit: RabbitMQ, env: Record<string, string> = {}) =>
  startService('producer', { ...brokerEnv(rabbit), ...env });

export const startBrokerConsumer = (rabbit: RabbitMQ, env: Record<string, string> = {}) =>
  startService('consumer', { ...brokerEnv(rabbit), ...env });

/** A producer (and its consumer, unless `consumer: false`) on the broker, both ready. */
export async function waitBrokerReady(...services: Service[]): Promise<void> {
  for (const service of services) {
    await waitFor(async () => (await fetch(`${service.url}/health/ready`)).ok, 30_000, `${service.url} to be ready`);
  }
}

/** The management API, as the tests use it. */
export async function management(rabbit: RabbitMQ, method: string, route: string): Promise<any> {
  const { origin, username, password } = new URL(rabbit.managementUrl);
  const res = await fetch(origin + route, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Ready messages of a queue now (AMQP: exact, where the management API's statistics lag). */
export async function readyCount(rabbit: RabbitMQ, queue = ITEMS_QUEUE): Promise<number> {
  const connection = await amqp.connect(rabbit.amqpUrl);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/** Empties the lab's queues between scenarios (with no service attached). */
export async function emptyQueues(rabbit: RabbitMQ): Promise<void> {
  for (const queue of [ITEMS_QUEUE, DEAD_LETTER_QUEUE, GIVEN_UP_QUEUE])
    await management(rabbit, 'DELETE', `/api/queues/%2F/${encodeURIComponent(queue)}/contents`);
}

/** lab.items' ready and unacked counts once two readings 0.5 s apart agree (exact: rabbitmqctl, not the lagging statistics). */
export async function settledCounts(rabbit: RabbitMQ, timeoutMs = 30_000): Promise<{ ready: number; unacked: number }> {
  let last = '';
  const counts = await waitFor(
    async () => {
      const counts = (await rabbit.listQueues())[ITEMS_QUEUE] ?? { ready: 0, unacked: 0 };
      const key = JSON.stringify(counts);
      const settled = key === last;
      last = key;
      if (!settled) await sleep(500);
      return settled ? counts : undefined;
    },
    timeoutMs,
    'the broker counts to settle',
  );
  return counts!;
}

/**
 * The books across processes (ledger.ts): what the producers published (or replayed from the
 * given-up items) is ready or unacked in the broker, processed by a consumer, or dropped, expired,
 * dead-lettered or cleared (read back by the producers from the dead-letter queue). `processed` sums every consumer's count, including those
 * of consumers that are gone (read while they held nothing in progress).
 */
export function brokerBooks(producerAccounting: any[], broker: { ready: number; unacked: number }, processed: number) {
  const sum = (key: string) => producerAccounting.reduce((total, a) => total + a[key], 0);
  const published = sum('published') + sum('replayed');
  const accounted = broker.ready + broker.unacked + processed + sum('dropped') + sum('expired') + sum('dead_lettered') + sum('cleared');
  return { published, accounted, balanced: published === accounted, broker, processed };
}
