// Reads the broker's dead-letter queue (lab.dead-letters) and counts each item by why it died —
// RabbitMQ's `x-first-death-reason` header, which 3.10 and 4.x both set:
//   maxlen   → dropped        (drop-head made room for a newer item: bounded + drop_oldest)
//   expired  → expired        (it waited longer than max_item_age_ms: the policy's message-ttl)
//   rejected → dead_lettered  (the consumer gave it up after max_attempts; listed at GET /dead-letters)
// Each is acked only after it is counted, so a producer that dies meanwhile leaves it to the next.
import type { Channel, ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_QUEUE, HEADERS } from '../../../common/src/broker-topology';
import type { Ledger } from '../ledger';

const REASONS = { maxlen: 'dropped', expired: 'expired', rejected: 'dead_lettered' } as const;

export async function readDeadLetters(channel: Channel, ledger: Ledger): Promise<void> {
  await channel.consume(DEAD_LETTER_QUEUE, (message) => {
    if (!message) return; // the queue was deleted: the link reconnects and consumes again
    count(message, ledger);
    channel.ack(message);
  });
}

function count(message: ConsumeMessage, ledger: Ledger): void {
  const headers = message.properties.headers ?? {};
  const deathReason = String(headers['x-first-death-reason'] ?? 'rejected');
  const reason = REASONS[deathReason as keyof typeof REASONS] ?? 'dead_lettered';
  const item = parseItem(message.content);
  const attempts = Number(headers[HEADERS.attempts] ?? 1);
  ledger.brokerDeadLetter(reason, {
    id: item.id ?? message.properties.messageId ?? 'unknown',
    priority: item.priority === 'high' ? 'high' : 'normal',
    attempts,
    last_error: deathReason === 'rejected' ? `failed ${attempts} attempts (max_attempts)` : deathReason,
    created_at: new Date(item.created_at ?? Date.now()).toISOString(),
  });
}

function parseItem(content: Buffer): { id?: string; priority?: string; created_at?: number } {
  try {
    return JSON.parse(content.toString());
  } catch {
    return {};
  }
}
