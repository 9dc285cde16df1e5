// The job store behind POST /jobs and GET /jobs/:id (seed 000). A job exists only once its item
// was admitted, so a refused job leaves no record. Finished jobs expire after `ttlMs`, and the
// store never holds more than `maxFinished` finished jobs, so it cannot grow without limit.
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

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly finishedOrder = new Fifo<{ id: string; at: number }>();
  private readonly counts: Record<JobState, number> = { queued: 0, processing: 0, done: 0, failed: 0 };

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
    if (!job) return;
    const now = Date.now();
    this.setState(job, error ? 'failed' : 'done');
    job.finished_at = new Date(now).toISOString();
    job.duration_ms = now - item.created_at;
    if (error) job.error = error;
    this.finishedOrder.push({ id: item.id, at: now });
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
