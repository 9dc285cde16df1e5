// A work item: what the generator, /produce and /jobs create, and what the consumer processes.
import { randomUUID } from 'node:crypto';
import type { SpanContext } from '@opentelemetry/api';
import { queueNow } from './queue-clock';

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
  /** When the item last entered the queue, on the queue's clock (queue-clock.ts: not epoch ms). */
  enqueued_at: number;
  /**
   * Epoch ms after which the item is no use to whoever made it (0: no deadline): created_at +
   * max_item_age_ms for generated items, + deadline_ms for a job that gave one. Whoever holds it
   * past this drops it, counted as expired: the producer before sending, the consumer before
   * processing (it travels in the item's body).
   */
  readonly deadline_at: number;
  /** Delivery attempts so far (the dispatcher retries failures). */
  attempts: number;
  /** The item's trace (its admission span), when tracing is on: see tracing.ts. */
  trace?: SpanContext;
}

/**
 * Heap bytes an item costs beyond its payload characters: the object (88: eight fields), created_at
 * (16: an epoch timestamp is not a small integer, so it is boxed; enqueued_at is one, see
 * queue-clock.ts), its id (56), its queue slot (8), the payload string's header (16); a deadline
 * adds 16 (boxed too). `npm run bench` measured 185 B (1 KB payloads) and 189 B (100 B payloads) per
 * item at 1,000,000 queued, heap after a full GC; /status uses it for memory_bytes.
 */
export const ITEM_OVERHEAD_BYTES = 190;

/**
 * A random UUID held as one flat string. randomUUID() builds its answer from some twenty short
 * pieces and V8 keeps it as a rope of them: 488 heap bytes per id, more than all the rest of a
 * queued item (`npm run bench`, memory figure). One copy makes it a flat 56-byte string; it goes
 * through one buffer kept for the purpose (a Buffer per item was a tenth of a burst's CPU).
 */
const uuidBytes = Buffer.alloc(36);
function flatUuid(): string {
  uuidBytes.write(randomUUID(), 'latin1');
  return uuidBytes.toString('latin1');
}

/** `bytes` x's, as a string of its own every time (each queued item really holds its payload). */
let filler = Buffer.alloc(0);
function freshPayload(bytes: number): string {
  if (filler.length !== bytes) filler = Buffer.alloc(bytes, 120);
  return filler.toString('latin1');
}

/**
 * What an item's trace context (item.trace, set before it is queued) adds with tracing on:
 * heap per queued item with a 1 KB payload after a full GC (200,000 queued, the bench's memory
 * method), 1219 B without tracing, 1393 B with it.
 */
export const TRACE_CONTEXT_BYTES = 175;

export function createItem(
  payloadBytes: number,
  priority: Priority = 'normal',
  job = false,
  payload?: string,
  /** How long the item is worth something (0: always). */
  deadlineMs = 0,
): Item {
  const now = Date.now();
  return {
    id: flatUuid(),
    created_at: now,
    priority,
    payload: payload ?? (payloadBytes > 0 ? freshPayload(payloadBytes) : ''),
    job,
    deadline_at: deadlineMs > 0 ? now + deadlineMs : 0,
    enqueued_at: queueNow(), // the queue sets it again; a small integer from the start keeps the field one
    attempts: 0,
  };
}

/** Estimated heap bytes held by one queued item. */
export const itemBytes = (item: Item): number => ITEM_OVERHEAD_BYTES + item.payload.length + (item.trace ? TRACE_CONTEXT_BYTES : 0);
