// POST /jobs (one job through admission: 202 with its id, or a refusal that says why) and
// GET /jobs/:id (its state as the job store knows it).
import { Router } from 'express';
import { z } from 'zod';
import { abortWhenClientGone, HttpError, parseInput } from '../../../common/src/http';
import { createItem } from '../item';
import type { Producer } from '../producer';
import type { RejectReason } from '../vocabulary';
import { retryAfterSeconds } from './retry-after';

const jobBody = z.strictObject({
  priority: z.enum(['high', 'normal']).default('normal'),
  data: z.unknown().optional(),
  /** The caller's own timeout: after it the job is no use, and whoever holds it drops it (expired). */
  deadline_ms: z.number().int().min(1).max(86_400_000).optional(),
});

/** Refusals that are the producer's own trouble (503), not a full queue (429). */
const UNAVAILABLE: Partial<Record<RejectReason, { error: string; retryAfterSeconds?: number }>> = {
  memory: { error: 'Producer is low on memory' },
  broker_unavailable: { error: 'The broker cannot be reached', retryAfterSeconds: 1 },
};

export function jobRoutes(producer: Producer): Router {
  const routes = Router();
  routes.post('/jobs', async (req, res) => {
    const { priority, data, deadline_ms } = parseInput(jobBody, req.body);
    const payload = data === undefined ? undefined : JSON.stringify(data);
    const item = createItem(payload === undefined ? producer.settings.payload_bytes : 0, priority, true, payload, deadline_ms);
    const decision = await producer.intake.offer(item, 'jobs', abortWhenClientGone(res));
    if (decision.kind === 'queued') {
      res
        .status(202)
        .location(`/jobs/${item.id}`)
        .json({ id: item.id, status: 'queued', location: `/jobs/${item.id}` });
      return;
    }
    const reason = decision.kind === 'rejected' ? decision.reason : decision.kind;
    const unavailable = decision.kind === 'rejected' ? UNAVAILABLE[decision.reason] : undefined;
    res
      .set('Retry-After', String(unavailable?.retryAfterSeconds ?? retryAfterSeconds(producer)))
      .status(unavailable ? 503 : 429)
      .json({ error: unavailable?.error ?? 'Job queue is full', reason });
  });
  routes.get('/jobs/:id', (req, res) => {
    const job = producer.jobs.get(req.params.id);
    if (!job) throw new HttpError(404, 'no such job (unknown, or finished and expired)', { field: 'id' });
    res.json(job);
  });
  return routes;
}
