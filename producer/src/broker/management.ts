// The RabbitMQ management HTTP API, for what AMQP cannot do: set a policy, and read a queue's
// unacknowledged count and ack rate (AMQP tells only the ready count). RABBITMQ_MANAGEMENT_URL
// carries the user and password (default guest:guest on 127.0.0.1:15672). The lab uses the
// default virtual host "/".
import { ITEMS_QUEUE } from '../../../common/src/broker-topology';
import { POLICY_NAME, type Policy } from './policy';

const TIMEOUT_MS = 3000;
const VHOST = '%2F';

export interface QueueCounts {
  ready: number;
  unacked: number;
  /** Acks so far (the broker's running total since the queue was created or the node started). */
  acks: number;
}

export class Management {
  private readonly origin: string;
  private readonly authorization: string;

  constructor(url: string) {
    const parsed = new URL(url);
    this.origin = parsed.origin;
    const user = decodeURIComponent(parsed.username || 'guest');
    const password = decodeURIComponent(parsed.password || 'guest');
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  async putPolicy(policy: Policy): Promise<void> {
    await this.request('PUT', `/api/policies/${VHOST}/${POLICY_NAME}`, policy);
  }

  async queueCounts(queue = ITEMS_QUEUE): Promise<QueueCounts> {
    const q = (await this.request('GET', `/api/queues/${VHOST}/${encodeURIComponent(queue)}`)) as {
      messages_ready?: number;
      messages_unacknowledged?: number;
      message_stats?: { ack?: number };
    };
    return { ready: q.messages_ready ?? 0, unacked: q.messages_unacknowledged ?? 0, acks: q.message_stats?.ack ?? 0 };
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.origin + path, {
      method,
      headers: { authorization: this.authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`management API ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  }
}
