// QUEUE_TYPE=quorum: what the lab's settings ask of a quorum queue, and what one cannot do.
// Every mode maps onto what it has (RabbitMQ 3.10 and 4.x): max-length and max-length-bytes
// with reject-publish (loose: it accepts again only at 80% of the limit) or drop-head, a
// message TTL (3.10+), dead-lettering, and a delivery limit (policy.ts sets it to max_attempts;
// 4.x's default is 20, 3.10 has none). What it does not have is refused with a 400 naming the
// setting (and at start, naming the variable):
//   - priorities: 3.10 refuses x-max-priority on a quorum queue (406); 4.x has two levels only;
//   - reject-publish-dlx: not supported (3.10 falls back to drop-head, and logs it).
import type { QueueType } from '../../../common/src/env';

/** The settings a quorum queue cannot honour (config.ts's ProducerSettings has them; not imported: config.ts imports this file). */
interface QuorumSensitiveSettings {
  high_priority_ratio: number;
}

export interface Refusal {
  field: keyof QuorumSensitiveSettings;
  reason: string;
}

/** Why `settings` cannot run on a queue of `queueType`, or undefined when they can. */
export function quorumRefusal(settings: QuorumSensitiveSettings, queueType: QueueType): Refusal | undefined {
  if (queueType !== 'quorum') return undefined;
  if (settings.high_priority_ratio > 0)
    return {
      field: 'high_priority_ratio',
      reason: 'a quorum queue has no priorities (RabbitMQ 3.10 refuses x-max-priority on it): use QUEUE_TYPE=classic',
    };
  return undefined;
}
