// A work item: what the generator, /produce and /jobs create, and what the consumer processes.
import { randomUUID } from 'node:crypto';
import type { SpanContext } from '@opentelemetry/api';

export type Priority = 'high' | 'normal';

export interface Item {
  readonly id: string;
  /** Epoch milliseconds when the item was created. */
  readonly created_at: number;
  readonly priority: Priority;
  /** Filler that makes the item weigh what a real message would (Exercise 3's memory growth). */
  readonly payload: string;
  /** Set for items submitted through POST /jobs. */
  readonly job: boolean;
  /** Epoch milliseconds when the item last entered the queue. */
  enqueued_at: number;
  /** Delivery attempts so far (the dispatcher retries failures). */
  attempts: number;
  /** The item's trace (its admission span), when tracing is on: see tracing.ts. */
  trace?: SpanContext;
}

/**
 * Bytes an item costs beyond its payload characters: the object, its id string, the queue slot.
 * Measured with `npm run bench` (heap delta per queued item); /status uses it for memory_bytes.
 */
export const ITEM_OVERHEAD_BYTES = 200;

/**
 * What an item's trace context (item.trace, set before it is queued) adds with tracing on:
 * heap delta per queued item with a 1 KB payload, ~1640 B without tracing, ~1860 B with it.
 */
export const TRACE_CONTEXT_BYTES = 220;

export function createItem(payloadBytes: number, priority: Priority = 'normal', job = false, payload?: string): Item {
  const now = Date.now();
  return {
    id: randomUUID(),
    created_at: now,
    priority,
    // A fresh flat one-byte string per item, so queued items really hold their payload in memory.
    payload: payload ?? (payloadBytes > 0 ? Buffer.alloc(payloadBytes, 120).toString('latin1') : ''),
    job,
    enqueued_at: now,
    attempts: 0,
  };
}

/** Estimated heap bytes held by one queued item. */
export const itemBytes = (item: Item): number =>
  ITEM_OVERHEAD_BYTES + item.payload.length + (item.trace ? TRACE_CONTEXT_BYTES : 0);
