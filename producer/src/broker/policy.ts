// The one policy that holds every limit of lab.items (QUEUE_BACKEND=rabbitmq). The producer PUTs
// it through the management API when it connects and whenever a setting behind it changes; a
// policy applies to the live queue, so a new limit takes effect at once and nothing queued is
// lost (reject-publish keeps a queue above a lowered limit as it is and refuses new items until
// it drains; drop-head drops the excess heads at once, each one dead-lettered and counted).
// Only keys that both RabbitMQ 3.10 and 4.x have. A quorum queue (QUEUE_TYPE=quorum) also gets a
// delivery limit: an item delivered max_attempts times without an ack (consumers that died
// holding it) is dead-lettered, counted as dead_lettered, instead of going round forever.
import { DEAD_LETTER_EXCHANGE, ITEMS_QUEUE } from '../../../common/src/broker-topology';
import type { QueueType } from '../../../common/src/env';
import type { ProducerSettings } from '../config';

export const POLICY_NAME = 'lab-items';

export interface Policy {
  pattern: string;
  'apply-to': 'queues';
  priority: number;
  definition: Record<string, string | number>;
}

/** The settings the policy is built from: a change to one of these is PUT again. */
export const POLICY_SETTINGS = [
  'queue_mode',
  'max_queue_size',
  'overflow',
  'adaptive_max_size',
  'max_queue_bytes',
  'max_item_age_ms',
  'max_attempts',
] as const satisfies readonly (keyof ProducerSettings)[];

/**
 * The hard cap the broker enforces for a mode: max_queue_size where the mode has a size limit,
 * adaptive_max_size for adaptive (its moving limit is checked at the producer, below this), none
 * for unbounded and rate_limited.
 */
export function brokerMaxLength(s: ProducerSettings): number {
  switch (s.queue_mode) {
    case 'unbounded':
    case 'rate_limited':
      return Infinity;
    case 'adaptive':
      return s.adaptive_max_size;
    default:
      return s.max_queue_size;
  }
}

export function itemsPolicy(s: ProducerSettings, queueType: QueueType = 'classic'): Policy {
  const definition: Policy['definition'] = { 'dead-letter-exchange': DEAD_LETTER_EXCHANGE };
  const maxLength = brokerMaxLength(s);
  if (Number.isFinite(maxLength)) definition['max-length'] = maxLength;
  if (s.max_queue_bytes > 0) definition['max-length-bytes'] = s.max_queue_bytes;
  // Over a length or byte limit: drop the head (dead-lettered, counted as dropped) for
  // bounded + drop_oldest, else refuse the publish (a nack).
  if ('max-length' in definition || 'max-length-bytes' in definition) {
    definition.overflow = s.queue_mode === 'bounded' && s.overflow === 'drop_oldest' ? 'drop-head' : 'reject-publish';
  }
  if (s.max_item_age_ms > 0) definition['message-ttl'] = s.max_item_age_ms;
  if (queueType === 'quorum') definition['delivery-limit'] = s.max_attempts;
  return { pattern: `^${ITEMS_QUEUE.replace(/\./g, '\\.')}$`, 'apply-to': 'queues', priority: 0, definition };
}
