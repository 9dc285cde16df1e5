// The lab's layout in RabbitMQ (QUEUE_BACKEND=rabbitmq), declared the same by both services:
//
//   producer ──publish (confirms)──▶ lab.items ──deliver (prefetch, ack)──▶ consumer
//      ▲                               │ dropped head (max-length, drop-head), expired (message-ttl),   │
//      │                               ▼ rejected after max_attempts                                    │
//      │           exchange lab.dead (fanout) ──▶ lab.dead-letters ──▶ producer (counts them; copies    │
//      │                                                                 the given-up ones to           │
//      │                                                                 lab.given-up, kept for replay) │
//      └──── lab.outcomes.<producer> (the job's reply-to) ◀── outcomes of jobs, batched ───────────────┘
//
// lab.items is a durable CLASSIC queue: its max-length is exact (with reject-publish, 5 of 10
// publishes are confirmed at a limit of 5), while a quorum queue's is approximate (it confirmed 6
// here). It is declared with no limits at all: every limit lives in one policy (producer/src/
// broker/policy.ts), because queue arguments are fixed at declaration and policies apply to the
// live queue — so a limit changed at run time takes effect at once, without redeclaring anything.
//
// QUEUE_TYPE=quorum declares the queues as quorum queues instead (replicated on every node of a
// cluster; see producer/src/broker/quorum.ts for what they do not support). A queue's type is
// fixed when it is declared: the other type is refused (PRECONDITION_FAILED) until it is deleted.
//
// Its one argument is x-max-priority: priority is the one property a policy cannot give a queue.
// A priority queue (not two queues consumed in order) because RabbitMQ then serves `high` strictly
// first to every consumer's prefetch, and one max-length bounds both lanes together, as in memory.
// A lab.items declared by an older version without it cannot be changed in place (a redeclaration
// with other arguments is refused, 406): an empty one is deleted and declared again; one that holds
// items is used as it is, without priorities, until it has drained and a service reconnects.
// (Quorum queues on 3.10 refuse x-max-priority; 4.x quorum queues have two priorities of their own,
// "high" being 5 and above — which is why high items are published with priority 5.)
import type { Channel, ChannelModel } from 'amqplib';
import type { QueueType } from './env';

export const ITEMS_QUEUE = 'lab.items';
/** Each service's AMQP connection_name: how the management API (and the exercises) tell them apart. */
export const CONNECTION_NAME = { producer: 'backpressure-lab producer', consumer: 'backpressure-lab consumer' } as const;
export const DEAD_LETTER_EXCHANGE = 'lab.dead';
export const DEAD_LETTER_QUEUE = 'lab.dead-letters';
/** Items given up after max_attempts, kept (durable) until replayed: GET /dead-letters lists them. */
export const GIVEN_UP_QUEUE = 'lab.given-up';
/** Prefix of each producer's own queue of job outcomes (the reply-to its job items carry). */
export const OUTCOMES_QUEUE_PREFIX = 'lab.outcomes.';

/** lab.items' priorities: 0 normal, 1 high (a higher published priority counts as the maximum). */
export const MAX_PRIORITY = 1;
export const MESSAGE_PRIORITY = { normal: 0, high: 5 } as const;

/** Message headers of our own. (`x-death` is RabbitMQ's, and its handling changed in 4.0.) */
export const HEADERS = {
  /** Delivery attempts so far, 1 for the first: the consumer republishes a failed item with +1. */
  attempts: 'x-attempts',
  /** After this many failed attempts the consumer gives the item up (dead-letters it). */
  maxAttempts: 'x-max-attempts',
  /** Epoch ms when it was published: the start of its wait in RabbitMQ. */
  enqueuedAt: 'x-enqueued-at',
  /** Epoch ms when the producer counted it as given up (on its copy in lab.given-up). */
  deadLetteredAt: 'x-dead-lettered-at',
} as const;

export interface Topology {
  /** lab.items is a priority queue (false: an older one without x-max-priority is still in use). */
  priorities: boolean;
}

export async function declareTopology(model: ChannelModel, channel: Channel, queueType: QueueType): Promise<Topology> {
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { 'x-queue-type': queueType } });
  await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
  await channel.assertQueue(GIVEN_UP_QUEUE, { durable: true, arguments: { 'x-queue-type': queueType } });
  // A quorum queue on 3.10 refuses x-max-priority: there lab.items has no priorities (quorum.ts
  // refuses the priority settings with a 400).
  if (queueType === 'quorum') {
    await channel.assertQueue(ITEMS_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    return { priorities: false };
  }
  if (await declareItemsQueue(model)) return { priorities: true };
  // An older lab.items: deleted if empty (ifEmpty: the broker checks, atomically), then declared anew.
  const emptied = await withProbe(model, (probe) => probe.deleteQueue(ITEMS_QUEUE, { ifEmpty: true }));
  if (emptied && (await declareItemsQueue(model))) return { priorities: true };
  return { priorities: false };
}

const ITEMS_ARGUMENTS = { 'x-queue-type': 'classic', 'x-max-priority': MAX_PRIORITY };

/** Declares lab.items as a priority queue; false when one with other arguments exists. */
function declareItemsQueue(model: ChannelModel): Promise<boolean> {
  return withProbe(model, (probe) => probe.assertQueue(ITEMS_QUEUE, { durable: true, arguments: ITEMS_ARGUMENTS }));
}

/** Runs `step` on a channel of its own, which a refusal (406) closes without harming the others. */
async function withProbe(model: ChannelModel, step: (probe: Channel) => Promise<unknown>): Promise<boolean> {
  const probe = await model.createChannel();
  probe.on('error', () => {}); // the refusal arrives as the rejected promise below
  try {
    await step(probe);
    await probe.close();
    return true;
  } catch {
    return false;
  }
}
