// The admission contract. Every way of handling "the consumer cannot keep up" is one class
// with these four members; the intake (../intake.ts) calls it for every new item, whichever
// entry point made the item (generator, POST /produce, POST /jobs).
import type { Item } from '../item';
import type { AddResult } from './admission-queue';

export const REJECT_REASONS = [
  'queue_full',
  'timeout',
  'adaptive_limit',
  'memory',
  'cancelled',
  'broker_unavailable',
  'broker_blocked',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type Outcome =
  /** In the queue; drop_oldest may have evicted an older item to make room. */
  | { kind: 'queued'; evicted?: Item }
  /** Refused: the caller learns it (a 429 for HTTP clients) and the item is counted. */
  | { kind: 'rejected'; reason: RejectReason }
  /** Discarded on purpose by sampling. */
  | { kind: 'sampled_out' }
  /** The mode changed while the offer waited: the intake offers it to the new strategy. */
  | { kind: 'superseded' };

export interface Strategy {
  /** Largest queue depth this strategy admits now; Infinity when it sets none. */
  limit(): number;
  /** Decides about one item and resolves once it is queued or refused. May wait. */
  offer(item: Item, signal: AbortSignal): Promise<Outcome>;
  /** Hands back every offer still waiting, as `superseded`. */
  close(): void;
  /** Numbers worth showing in /status (tokens left, measured capacity, ...). */
  describe(): Record<string, number | string>;
}

/** The outcome of an add: queued, or refused for `whenFull` (or because the broker is down or blocks publishing). */
export function outcomeOf(result: AddResult, whenFull: RejectReason): Exclude<Outcome, { kind: 'superseded' }> {
  if (result === 'queued') return { kind: 'queued' };
  const reasons = { full: whenFull, unavailable: 'broker_unavailable', blocked: 'broker_blocked' } as const;
  return { kind: 'rejected', reason: reasons[result] };
}
