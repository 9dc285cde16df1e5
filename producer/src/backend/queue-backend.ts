// The queue backend: where admitted items wait and how they reach a consumer. The producer,
// its status, routes and metrics talk to this interface only; main.ts picks the implementation
// once. Two exist:
//   - MemoryBackend (memory-backend.ts): the producer's own queue (ItemQueue) and its dispatcher,
//     whose senders POST each item to the consumer.
//   - BrokerBackend (../broker/broker-backend.ts): a RabbitMQ queue; the consumers take items
//     from it themselves.
// Like p-queue's contract, it says what is waiting and how fast it leaves, and lets the producer
// add, clear and stop; everything else stays inside the implementation.
import type { Registry } from 'prom-client';
import type { Logger } from '../../../common/src/logger';
import type { AdmissionQueue } from '../admission/admission-queue';
import type { ProducerSettings } from '../config';
import type { Ledger } from '../ledger';
import type { Accounting, BackendKind, BackendStatus, DeadLetterList, ReplayResult } from '../status-model';

/** What every backend is built from; main.ts adds what only one of them needs (URLs). */
export interface BackendParts {
  settings: () => ProducerSettings;
  ledger: Ledger;
  registry: Registry;
  logger: Logger;
}

/** The queue (a broker) cannot be reached: the routes answer 503 with this message. */
export class BackendUnavailable extends Error {}

/** main.ts's choice: builds the backend once the producer has its ledger. */
export type BackendFactory = (parts: BackendParts) => QueueBackend;

/** GET /health/ready's answer: whether items can reach a consumer now, and what it depends on. */
export type ReadinessCheck = { ready: boolean } & Record<string, unknown>;

export interface QueueBackend {
  /** Which backend this is (GET /status `backend.kind`). */
  readonly kind: BackendKind;
  /** What the admission strategies add items to and check their limits against. */
  readonly admissionQueue: AdmissionQueue;
  /**
   * Offers the generator and POST /produce keep outstanding at once: 1 where adding is decided at
   * once, more where each add waits for a broker's confirm (to fill its batches).
   */
  readonly offersAtOnce: number;
  /** Starts moving items towards the consumers (the senders, or the broker connection). */
  start(): void;
  /** Items waiting to be taken now (GET /status `queue.size`). */
  depth(): number;
  /** Resolves once `depth()` counts every item added so far (POST /produce answers after it). */
  depthSettled(): Promise<void>;
  /** Estimated bytes the waiting items weigh (GET /status `queue.memory_bytes`). */
  bytes(): number;
  /**
   * Items per second leaving the queue for the consumers, as this backend can measure it: what the
   * adaptive limit and Retry-After use. Infinity before anything is measured, 0 when stalled.
   */
  drainRate(): number;
  /** Throws a 400 for a setting this backend cannot honour; called before `next` is applied. */
  validate(next: ProducerSettings): void;
  /** The settings changed (they are applied already); resolves once the change is in force. */
  settingsChanged(changed: Partial<ProducerSettings>): Promise<void>;
  /** Removes every waiting item, each counted as cleared; resolves to how many. */
  clear(): Promise<number>;
  /** The accounting identity's numbers, as they are kept with this backend (ledger.ts). */
  accounting(): Accounting;
  /** Whether items can reach a consumer now (GET /health/ready). */
  readiness(): Promise<ReadinessCheck>;
  /** GET /status `backend`: figures this backend does not have are absent. */
  describe(): BackendStatus;
  /** GET /dead-letters: the given-up items kept now, at most `limit` of them listed. */
  deadLetters(limit: number): Promise<DeadLetterList>;
  /** Given-up items kept now, as last known (the backpressure_dead_letters gauge). */
  deadLettersKept(): number;
  /** POST /admin/dead-letters/replay: puts up to `limit` given-up items back on the queue, each counted as replayed. */
  replayDeadLetters(limit: number): Promise<ReplayResult>;
  /**
   * Stops taking and sending items; resolves when what is in flight has finished or `deadlineMs`
   * passed. Waiting items stay where they are (lost with the process, or kept by the broker).
   */
  stop(deadlineMs: number): Promise<void>;
}
