// The job store behind POST /jobs and GET /jobs/:id (seed 000). A job exists only once its item
// was admitted, so a refused job leaves no record. Finished jobs expire after `ttlMs`, and the
// store never holds more than `maxFinished` finished jobs, so it cannot grow without limit.
import type { JobOutcome } from '../../common/src/job-outcome';
import { Fifo } from './fifo';
import type { Item, Priority } from './item';

export type JobState = 'queued' | 'processing' | 'done' | 'failed';

export interface Job {
  id: string;
  state: JobState;
  priority: Priority;
  attempts: number;
  created_at: string;
  queued_at: string;
  started_at?: string;
  finished_at?: string;
  /** Milliseconds from creation to the consumer's answer. */
  duration_ms?: number;
  error?: string;
}

const EARLY_OUTCOME_MS = 10_000;
const EARLY_OUTCOMES_KEPT = 10_000;

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly finishedOrder = new Fifo<{ id: string; at: number }>();
  private readonly counts: Record<JobState, number> = { queued: 0, processing: 0, done: 0, failed: 0 };
  private readonly early = new Map<string, JobOutcome>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly maxFinished = 10_000,
  ) {}

  get(id: string): Job | undefined {
    this.expire();
    return this.jobs.get(id);
  }

  countByState(): Record<JobState, number> {
    this.expire();
    return { ...this.counts };
  }

  queued(item: Item): void {
    const existing = this.jobs.get(item.id);
    if (existing) {
      this.setState(existing, 'queued'); // back in the queue for a retry
      return;
    }
    const early = this.early.get(item.id);
    const created = new Date(item.created_at).toISOString();
    const job: Job = {
      id: item.id,
      state: 'queued',
      priority: item.priority,
      attempts: 0,
      created_at: created,
      queued_at: new Date().toISOString(),
    };
    this.jobs.set(item.id, job);
    this.counts.queued++;
    if (early) {
      this.early.delete(item.id);
      this.reported(early);
    }
  }

  processing(item: Item): void {
    const job = this.jobs.get(item.id);
    if (!job) return;
    this.setState(job, 'processing');
    job.attempts = item.attempts + 1;
    job.started_at = new Date().toISOString();
  }

  finished(item: Item, error?: string): void {
    const job = this.jobs.get(item.id);
    if (job) this.finish(job, Date.now(), item.created_at, error);
  }

  /** A consumer reported how a job ended (on the broker, where the producer does not send it itself). */
  reported(outcome: JobOutcome): void {
    const job = this.jobs.get(outcome.id);
    if (!job) {
      this.keepEarly(outcome);
      return;
    }
    // Told twice. A failed job may still end done: its item was replayed.
    if (job.state === 'done' || (job.state === 'failed' && outcome.outcome === 'failed')) return;
    job.attempts = outcome.attempts;
    this.finish(
      job,
      outcome.finished_at,
      Date.parse(job.created_at),
      outcome.outcome === 'failed' ? (outcome.error ?? 'failed') : undefined,
    );
  }

  /**
   * An outcome can overtake its publish's confirm: RabbitMQ hands a persistent message to a
   * consumer at once but confirms it after its disk write. Kept until the job is recorded (queued),
   * for a few seconds at most.
   */
  private keepEarly(outcome: JobOutcome): void {
    const cutoff = Date.now() - EARLY_OUTCOME_MS;
    for (const [id, kept] of this.early) {
      if (kept.finished_at > cutoff && this.early.size < EARLY_OUTCOMES_KEPT) break;
      this.early.delete(id); // oldest first (a Map keeps insertion order): a job that expired or never was
    }
    this.early.set(outcome.id, outcome);
  }

  private finish(job: Job, at: number, createdAt: number, error?: string): void {
    this.setState(job, error ? 'failed' : 'done');
    job.finished_at = new Date(at).toISOString();
    job.duration_ms = at - createdAt;
    if (error) job.error = error;
    this.finishedOrder.push({ id: job.id, at: Date.now() });
    this.expire();
  }

  private expire(): void {
    const cutoff = Date.now() - this.ttlMs;
    for (let oldest = this.finishedOrder.peek(); oldest; oldest = this.finishedOrder.peek()) {
      if (oldest.at > cutoff && this.finishedOrder.size <= this.maxFinished) return;
      this.finishedOrder.shift();
      const job = this.jobs.get(oldest.id);
      if (job) this.counts[job.state]--;
      this.jobs.delete(oldest.id);
    }
  }

  private setState(job: Job, state: JobState): void {
    this.counts[job.state]--;
    this.counts[state]++;
    job.state = state;
  }
}
