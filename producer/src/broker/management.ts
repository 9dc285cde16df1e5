// The RabbitMQ management HTTP API, for what AMQP cannot do: set a policy, and read a queue's
// unacknowledged count and ack rate (AMQP tells only the ready count), and a connection's state
// (`flow` while credit flow throttles it). RABBITMQ_MANAGEMENT_URL carries the user and password
// (default guest:guest on 127.0.0.1:15672); for a cluster it lists every node's, comma-separated:
// any node answers for the whole cluster, so a request that cannot reach one goes to the next.
// The lab uses the default virtual host "/".
import { splitUrls } from '../../../common/src/amqp-link';
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

export interface NodeInfo {
  name: string;
  running: boolean;
  mem_alarm: boolean;
  disk_free_alarm: boolean;
}

interface Endpoint {
  origin: string;
  authorization: string;
}

export class Management {
  private readonly endpoints: Endpoint[];
  /** The node that answered last: asked first next time. */
  private current = 0;

  constructor(urls: string) {
    this.endpoints = splitUrls(urls).map((url) => {
      const parsed = new URL(url);
      const user = decodeURIComponent(parsed.username || 'guest');
      const password = decodeURIComponent(parsed.password || 'guest');
      return { origin: parsed.origin, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
    });
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

  /**
   * The state of our connection as the broker sees it (running, flow, blocking, blocked), found
   * by its client-side port; null when the broker does not list it (yet).
   */
  async connectionState(localPort: number): Promise<string | null> {
    const list = (await this.request('GET', '/api/connections?columns=peer_port,peer_host,state')) as {
      peer_port?: number;
      peer_host?: string;
      state?: string;
    }[];
    return (
      list.find((c) => c.peer_port === localPort && (c.peer_host === '127.0.0.1' || c.peer_host === '::1' || !c.peer_host))?.state ?? null
    );
  }

  /** Every node of the cluster: whether it runs and its alarms. */
  async nodes(): Promise<NodeInfo[]> {
    const list = (await this.request('GET', '/api/nodes?columns=name,running,mem_alarm,disk_free_alarm')) as Partial<NodeInfo>[];
    return list.map((n) => ({
      name: String(n.name),
      running: n.running === true,
      mem_alarm: n.mem_alarm === true,
      disk_free_alarm: n.disk_free_alarm === true,
    }));
  }

  /** A GET of any API path (the cluster's nodes, a queue's leader): the parsed JSON. */
  get(path: string): Promise<unknown> {
    return this.request('GET', path);
  }

  /** Asks the node that answered last, then each other in turn; an HTTP error answer is not retried elsewhere. */
  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let lastError: unknown;
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.current + i) % this.endpoints.length;
      const endpoint = this.endpoints[index] as Endpoint;
      let res: Response;
      try {
        res = await fetch(endpoint.origin + path, {
          method,
          headers: { authorization: endpoint.authorization, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (err) {
        lastError = new Error(`management API ${endpoint.origin}: ${(err as Error).message}`);
        continue; // that node is down or hung: the next
      }
      this.current = index;
      const text = await res.text();
      if (!res.ok) throw new Error(`management API ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
      return text ? JSON.parse(text) : undefined;
    }
    throw lastError;
  }
}
