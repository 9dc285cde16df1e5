// The items consumers gave up after max_attempts, kept in RabbitMQ's durable queue lab.given-up
// (the dead-letter reader copies them there), so they outlive any producer:
// - list: GET /dead-letters reads them WITHOUT taking them: the management API's "get messages"
//   with ackmode ack_requeue_true, which a classic queue puts back where they were (the same order).
//   It reads from the head, so the list is the oldest first (the order a replay takes them in).
// - replay: POST /admin/dead-letters/replay takes them one at a time (basic.get), publishes each to
//   lab.items as a first attempt again (priority and reply-to kept) and acks it only once the broker
//   confirmed the copy: a replay cut short by a lost connection or a full queue loses nothing (the
//   item stays in lab.given-up; at worst, a copy confirmed but not acked is in both: a duplicate).
import type { ConfirmChannel, GetMessage } from 'amqplib';
import { GIVEN_UP_QUEUE, HEADERS, ITEMS_QUEUE } from '../../../common/src/broker-topology';
import { BackendUnavailable } from '../backend/queue-backend';
import type { DeadLetter, ReplayResult } from '../status-model';
import type { Management } from './management';

export class GivenUpItems {
  private channel?: ConfirmChannel;

  constructor(
    private readonly management: Management,
    private readonly maxAttempts: () => number,
  ) {}

  attach(channel: ConfirmChannel | undefined): void {
    this.channel = channel;
  }

  /** Items in lab.given-up now (AMQP: exact). */
  async count(): Promise<number> {
    if (!this.channel) throw new BackendUnavailable('not connected to the broker');
    return (await this.channel.checkQueue(GIVEN_UP_QUEUE)).messageCount;
  }

  /** The first `limit` kept items, oldest first, left in the queue. */
  async list(limit: number): Promise<DeadLetter[]> {
    const messages = await this.management.peekMessages(GIVEN_UP_QUEUE, limit);
    return messages.map((m) => describe(m.payload, m.properties.headers ?? {}));
  }

  /** Puts up to `limit` kept items back on lab.items; `onReplayed` counts each one confirmed there. */
  async replay(limit: number, onReplayed: () => void): Promise<Omit<ReplayResult, 'left'>> {
    let replayed = 0;
    while (replayed < limit) {
      const channel = this.channel;
      if (!channel) throw new BackendUnavailable(`the broker connection was lost after ${replayed} replayed`);
      const message = await channel.get(GIVEN_UP_QUEUE, { noAck: false });
      if (!message) return { replayed, stopped: 'empty' };
      if (!(await this.republish(channel, message))) {
        channel.nack(message, false, true); // back where it was
        return { replayed, stopped: 'queue_full' };
      }
      channel.ack(message);
      replayed++;
      onReplayed();
    }
    return { replayed, stopped: 'limit' };
  }

  /** True once the broker confirmed the copy in lab.items; false if it refused it (max-length). */
  private republish(channel: ConfirmChannel, message: GetMessage): Promise<boolean> {
    const { properties } = message;
    const now = Date.now();
    // RabbitMQ sets x-first-death-* only when absent: the old ones must go, or a replayed item
    // that later expires would be counted as given up again.
    const kept = Object.entries(properties.headers ?? {}).filter(
      ([key]) => !key.startsWith('x-first-death') && key !== 'x-death' && key !== HEADERS.deadLetteredAt,
    );
    const headers = {
      ...Object.fromEntries(kept),
      [HEADERS.attempts]: 1,
      [HEADERS.maxAttempts]: this.maxAttempts(),
      [HEADERS.enqueuedAt]: now,
    };
    return new Promise((resolve, reject) => {
      try {
        channel.publish(
          '',
          ITEMS_QUEUE,
          message.content,
          { ...properties, headers, timestamp: Math.floor(now / 1000), persistent: true },
          (err: unknown) => {
            if (!err) resolve(true);
            else if (err instanceof Error && err.message === 'message nacked') resolve(false);
            else reject(new BackendUnavailable('the broker connection was lost during a replay'));
          },
        );
      } catch {
        reject(new BackendUnavailable('the broker connection was lost during a replay'));
      }
    });
  }
}

/** A kept item as GET /dead-letters shows it (the same fields as on the in-memory queue). */
function describe(payload: string, headers: Record<string, unknown>): DeadLetter {
  let item: { id?: string; priority?: string; created_at?: number } = {};
  try {
    item = JSON.parse(payload);
  } catch {
    // an unreadable message (the consumer dead-letters those too): listed with what is known
  }
  const attempts = Number(headers[HEADERS.attempts] ?? 1);
  return {
    id: item.id ?? 'unknown',
    priority: item.priority === 'high' ? 'high' : 'normal',
    attempts,
    last_error: `failed ${attempts} attempts (max_attempts)`,
    created_at: new Date(item.created_at ?? 0).toISOString(),
    dead_lettered_at: new Date(Number(headers[HEADERS.deadLetteredAt]) || 0).toISOString(),
  };
}
