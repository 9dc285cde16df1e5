// The admission contract. Every way of handling "the consumer cannot keep up" is one class
// with these four members; the intake (../intake.ts) calls it for every new item, whichever
// entry point made the item (generator, POST /produce, POST /jobs).
import type { Item } from '../item';
import type { RejectReason } from '../vocabulary';
import type { AddResult } from './admission-queue';
import type { Decision, Outcome } from './outcome';

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

const REASON_OF: Partial<Record<AddResult, RejectReason>> = {
  full_bytes: 'queue_bytes',
  unavailable: 'broker_unavailable',
  blocked: 'broker_blocked',
};

/** The outcome of an add: queued, or refused for `whenFull` (or the byte bound, or because the broker is down or blocks publishing). */
export function outcomeOf(result: AddResult, whenFull: RejectReason): Decision {
  if (result === 'queued') return { kind: 'queued' };
  return { kind: 'rejected', reason: REASON_OF[result] ?? whenFull };
}
