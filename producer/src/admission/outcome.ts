// What admission decides about one item. Imports only the item's type and the vocabulary, so
// the intake, the ledger and the tracer can all use it without importing each other.
import type { Item } from '../item';
import type { RejectReason } from '../vocabulary';

export type Outcome =
  /** In the queue; drop_oldest may have evicted an older item to make room. */
  | { kind: 'queued'; evicted?: Item }
  /** Refused: the caller learns it (a 429 for HTTP clients) and the item is counted. */
  | { kind: 'rejected'; reason: RejectReason }
  /** Discarded on purpose by sampling. */
  | { kind: 'sampled_out' }
  /** The mode changed while the offer waited: the intake offers it to the new strategy. */
  | { kind: 'superseded' };

/** An outcome that settles the offer (`superseded` only sends it to the next strategy). */
export type Decision = Exclude<Outcome, { kind: 'superseded' }>;
