// Reads the broker's dead-letter queue (lab.dead-letters) and counts each item by why it died —
// RabbitMQ's `x-first-death-reason` header, which 3.10 and 4.x both set:
//   maxlen   → dropped        (drop-head made room for a newer item: bounded + drop_oldest)
//   expired  → expired        (it waited longer than max_item_age_ms: the policy's message-ttl)
//   rejected → dead_lettered  (the consumer gave it up after max_attempts)
// A given-up item is also copied to lab.given-up, where it is kept for GET /dead-letters and a
// replay (given-up.ts). A dropped or expired job's producer (the reply-to) is told it failed; a
// given-up one was told by the consumer.
// Each is acked only after it is counted (and its copy confirmed), so a producer that dies
// meanwhile leaves it to the next.
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_QUEUE, GIVEN_UP_QUEUE, HEADERS } from '../../../common/src/broker-topology';
import type { JobOutcome } from '../../../common/src/job-outcome';
import type { Ledger } from '../ledger';

const REASONS = { maxlen: 'dropped', expired: 'expired', rejected: 'dead_lettered' } as const;
const JOB_ERRORS = {
  dropped: 'dropped: evicted by a newer item (drop_oldest)',
  expired: 'expired: waited longer than max_item_age_ms',
} as const;

export async function readDeadLetters(channel: ConfirmChannel, ledger: Ledger): Promise<void> {
  await channel.consume(DEAD_LETTER_QUEUE, (message) => {
    if (!message) return; // the queue was deleted: the link reconnects and consumes again
    const reason = reasonOf(message);
    if (reason !== 'dead_lettered') {
      ledger.brokerDeadLetter(reason);
      tellProducer(channel, message, reason);
      channel.ack(message);
      return;
    }
    const headers = { ...message.properties.headers, [HEADERS.deadLetteredAt]: Date.now() };
    channel.sendToQueue(GIVEN_UP_QUEUE, message.content, { ...message.properties, headers, persistent: true }, (err: unknown) => {
      if (err) return; // not kept: the channel closes (or was closed) and the letter is delivered again
      ledger.brokerDeadLetter(reason);
      channel.ack(message);
    });
  });
}

function reasonOf(message: ConsumeMessage) {
  const deathReason = String(message.properties.headers?.['x-first-death-reason'] ?? 'rejected');
  return REASONS[deathReason as keyof typeof REASONS] ?? 'dead_lettered';
}

/** A job that was dropped or expired: its producer learns it failed (at-most-once, like every outcome). */
function tellProducer(channel: ConfirmChannel, message: ConsumeMessage, reason: keyof typeof JOB_ERRORS): void {
  const replyTo = message.properties.replyTo;
  const id = parseItem(message.content).id;
  if (!replyTo || !id) return;
  const attempts = Number(message.properties.headers?.[HEADERS.attempts] ?? 1) - 1; // it never ran this time
  const outcome: JobOutcome = { id, outcome: 'failed', attempts, finished_at: Date.now(), error: JOB_ERRORS[reason] };
  channel.sendToQueue(replyTo, Buffer.from(JSON.stringify([outcome])), { contentType: 'application/json' });
}

function parseItem(content: Buffer): { id?: string } {
  try {
    return JSON.parse(content.toString());
  } catch {
    return {};
  }
}
