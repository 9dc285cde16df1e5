// Two clients of POST /jobs (seed 000's job API): a crowd that fires every job at once and takes
// the first answer, and a polite client that, on 429, waits as long as Retry-After says and
// tries again — the client side of backpressure.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseRetryAfter } from '../../common/src/http';
import { request } from './services';

export interface JobAnswer {
  status: number;
  /** Milliseconds from sending to the answer. */
  ms: number;
  /** The refusal reason the producer gave (queue_full, timeout, ...). */
  reason?: string;
  retryAfter: string | null;
}

/** Submits `count` jobs at the same moment; every answer, in order of submission. */
export async function submitAtOnce(producerUrl: string, count: number): Promise<JobAnswer[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const started = performance.now();
      const answer = await request<{ reason?: string }>(`${producerUrl}/jobs`, 'POST', {});
      const result: JobAnswer = { status: answer.status, ms: performance.now() - started, retryAfter: answer.headers.get('retry-after') };
      if (answer.body?.reason) result.reason = answer.body.reason;
      return result;
    }),
  );
}

export interface PoliteRun {
  accepted: number;
  /** 429 (or 503) answers received, each followed by a wait. */
  refusals: number;
  seconds: number;
}

/** Jitter added to each wait (up to 10%), so many polite clients do not come back in step. */
const JITTER = 0.1;
/** A polite client still gives up on a job after this many refusals. */
const MAX_TRIES_PER_JOB = 200;

/**
 * Submits `count` jobs one after the other. On 429 or 503 it waits Retry-After (divided by the
 * lab's time scale: at LAB_TIME_SCALE=10 the service drains ten times faster than its
 * whole-second Retry-After says), then tries the same job again.
 */
export async function submitPolitely(producerUrl: string, count: number, timeScale = 1): Promise<PoliteRun> {
  const started = performance.now();
  let accepted = 0;
  let refusals = 0;
  for (let job = 0; job < count; job++) {
    for (let tries = 0; tries < MAX_TRIES_PER_JOB; tries++) {
      const answer = await request(`${producerUrl}/jobs`, 'POST', {});
      if (answer.status === 202) {
        accepted++;
        break;
      }
      if (answer.status !== 429 && answer.status !== 503) throw new Error(`POST /jobs answered ${answer.status}`);
      refusals++;
      const waitMs = parseRetryAfter(answer.headers.get('retry-after') ?? '') || 1000;
      await sleep((waitMs / timeScale) * (1 + Math.random() * JITTER));
    }
  }
  return { accepted, refusals, seconds: (performance.now() - started) / 1000 };
}
