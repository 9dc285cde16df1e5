// What /status says about the items waiting in RabbitMQ beyond their number, from the management
// API's queue statistics (collected every second by `npm run rabbitmq`'s broker, every 5 s by a
// default one; polled every 500 ms): by priority, and the age of the oldest where the publish log
// cannot tell it (publish-log.ts).
import type { Priority } from '../item';
import type { QueueCounts } from './management';

/**
 * Ready items per priority. The split comes from the statistics (a priority queue's length per
 * priority); the total is the exact ready count polled over AMQP, so the two lanes add up to it.
 */
export function readyByPriority(ready: number, counts: QueueCounts): Record<Priority, number> {
  const high = Math.min(ready, counts.readyHigh);
  return { high, normal: ready - high };
}

/**
 * Where this producer's publish log cannot tell (publish-log.ts): seconds the next item to be delivered has waited: the broker's head item is the oldest of the
 * highest priority waiting (a normal item behind high ones may be older: the broker does not
 * tell). Its timestamp is in whole seconds, so the publish was within that second: its middle is
 * taken, ±0.5 s. 0 when nothing is ready.
 */
export function headAgeSeconds(ready: number, counts: QueueCounts, now = Date.now()): number {
  if (ready === 0 || counts.headTimestamp === undefined) return 0;
  return Math.max(0, now / 1000 - (counts.headTimestamp + 0.5));
}
