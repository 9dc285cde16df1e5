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
  /** Ready high-priority items (a priority queue's lengths per priority; 0 on a queue without priorities). */
  readyHigh: number;
  /**
   * Publish time (epoch seconds: AMQP timestamps are whole seconds) of the next item to be
   * delivered — the oldest of the highest priority waiting — or undefined when none waits.
   */
  headTimestamp?: number;
}

/** A message as the management API's "get messages" returns it. */
export interface PeekedMessage {
  payload: string;
  properties: { headers?: Record<string, unknown> };
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
      head_message_timestamp?: number | string;
      backing_queue_status?: { priority_lengths?: Record<string, number> };
    };
    const lengths = q.backing_queue_status?.priority_lengths ?? {};
    const readyHigh = Object.entries(lengths).reduce((sum, [priority, n]) => (Number(priority) > 0 ? sum + n : sum), 0);
    return {
      ready: q.messages_ready ?? 0,
      unacked: q.messages_unacknowledged ?? 0,
      acks: q.message_stats?.ack ?? 0,
      readyHigh,
      headTimestamp: typeof q.head_message_timestamp === 'number' ? q.head_message_timestamp : undefined,
    };
  }

  /**
   * The first `count` messages of `queue`, left in it: "get messages" with ack_requeue_true takes
   * them and puts them back (a classic queue puts each back where it was).
   */
  async peekMessages(queue: string, count: number): Promise<PeekedMessage[]> {
    const body = { count, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 1_000_000 };
    return (await this.request('POST', `/api/queues/${VHOST}/${encodeURIComponent(queue)}/get`, body)) as PeekedMessage[];
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
