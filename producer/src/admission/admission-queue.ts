// What a strategy needs from the queue it admits into — the seam between the strategies and
// where the queue lives. Two implementations:
//   - ItemQueue (../queue.ts): the producer's own heap. A limit is a size check, done at once.
//   - BrokerQueue (../broker/broker-queue.ts): a RabbitMQ queue. An item is added by publishing
//     it; it counts as queued only once the broker confirms it, and a limit the broker enforces
//     (the policy's max-length) is answered by its confirm or nack instead of a size check.
import type { Item } from '../item';

/**
 * `full`: refused at the limit; `full_bytes`: refused at the queue's byte bound (max_queue_bytes,
 * where the queue checks it itself); `unavailable`: the queue cannot be reached (a broker that is down);
 * `blocked`: the broker refuses publishes for now (its memory or disk alarm).
 */
export type AddResult = 'queued' | 'full' | 'full_bytes' | 'unavailable' | 'blocked';
/** `full_bytes` here: the item alone is larger than the byte bound, so waiting cannot help. */
export type RoomResult = 'queued' | 'timeout' | 'cancelled' | 'superseded' | 'full_bytes' | 'unavailable';
export type EvictResult = { result: 'queued'; evicted?: Item } | { result: 'full' | 'full_bytes' | 'unavailable' | 'blocked' };

export interface AdmissionQueue {
  /** Items waiting now. */
  readonly size: number;
  /** Adds `item` unless the queue already holds `limit` items. */
  add(item: Item, limit: number): AddResult | Promise<AddResult>;
  /** drop_oldest: adds `item`; at `limit` the oldest item is evicted to make room (returned when known here). */
  addEvictingOldest(item: Item, limit: number): EvictResult | Promise<EvictResult>;
  /** Adds `item` once there is room below `limit`, after earlier waiters; gives up after `timeoutMs` or on abort. */
  addWhenRoom(item: Item, limit: number, signal: AbortSignal, timeoutMs?: number): Promise<RoomResult>;
  /** Hands every waiting addWhenRoom back as `superseded` (the mode changed). */
  releaseWaiters(): void;
}
