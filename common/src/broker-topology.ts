// The lab's layout in RabbitMQ (QUEUE_BACKEND=rabbitmq), declared the same by both services:
//
//   producer ──publish (confirms)──▶ lab.items ──deliver (prefetch, ack)──▶ consumer
//                                       │ dropped head (max-length, drop-head), expired (message-ttl),
//                                       ▼ rejected after max_attempts
//                       exchange lab.dead (fanout) ──▶ lab.dead-letters ──▶ producer (counts them)
//
// lab.items is a durable CLASSIC queue: its max-length is exact (with reject-publish, 5 of 10
// publishes are confirmed at a limit of 5), while a quorum queue's is approximate (it confirmed 6
// here). It is declared with no limits at all: every limit lives in one policy (producer/src/
// broker/policy.ts), because queue arguments are fixed at declaration and policies apply to the
// live queue — so a limit changed at run time takes effect at once, without redeclaring anything.
//
// QUEUE_TYPE=quorum declares both queues as quorum queues instead (replicated on every node of a
// cluster; see producer/src/broker/quorum.ts for what they do not support). A queue's type is
// fixed when it is declared: the other type is refused (PRECONDITION_FAILED) until it is deleted.
import type { Channel } from 'amqplib';
import type { QueueType } from './env';

export const ITEMS_QUEUE = 'lab.items';
export const DEAD_LETTER_EXCHANGE = 'lab.dead';
export const DEAD_LETTER_QUEUE = 'lab.dead-letters';

/** Message headers of our own. (`x-death` is RabbitMQ's, and its handling changed in 4.0.) */
export const HEADERS = {
  /** Delivery attempts so far, 1 for the first: the consumer republishes a failed item with +1. */
  attempts: 'x-attempts',
  /** After this many failed attempts the consumer gives the item up (dead-letters it). */
  maxAttempts: 'x-max-attempts',
  /** Epoch ms when it was published: the start of its wait in RabbitMQ. */
  enqueuedAt: 'x-enqueued-at',
} as const;

export async function declareTopology(channel: Channel, queueType: QueueType): Promise<void> {
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { 'x-queue-type': queueType } });
  await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
  await channel.assertQueue(ITEMS_QUEUE, { durable: true, arguments: { 'x-queue-type': queueType } });
}
