// GET /dead-letters and POST /admin/dead-letters/replay, on either queue backend: in memory the
// given-up items are the ledger's (newest first); on the broker they are kept in RabbitMQ's
// lab.given-up and listed from it without being taken (oldest first), so they outlive a producer
// restart. A replay puts them back on the queue, each counted as `replayed`.
import { Router } from 'express';
import { z } from 'zod';
import { HttpError, parseInput } from '../../../common/src/http';
import { BackendUnavailable } from '../backend/queue-backend';
import type { Producer } from '../producer';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const replayBody = z.strictObject({ limit: z.number().int().min(1).max(10_000).default(1000) });

export function deadLetterRoutes(producer: Producer): Router {
  const routes = Router();
  routes.get('/dead-letters', async (req, res) => {
    const { limit } = parseInput(listQuery, req.query);
    res.json(await unlessBrokerDown(() => producer.backend.deadLetters(limit), 'nothing was listed'));
  });

  routes.post('/admin/dead-letters/replay', async (req, res) => {
    const { limit } = parseInput(replayBody, req.body);
    const result = await unlessBrokerDown(
      () => producer.backend.replayDeadLetters(limit),
      'the items not replayed are still kept in lab.given-up',
    );
    req.log.info(result, 'dead letters replayed');
    res.json({ status: 'ok', ...result });
  });
  return routes;
}

/** A broker that cannot be reached is a 503 that says so (and what became of the request). */
async function unlessBrokerDown<T>(work: () => Promise<T>, consequence: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof BackendUnavailable)) throw err;
    throw new HttpError(
      503,
      `the broker cannot be reached (${err.message}): ${consequence}`,
      { reason: 'broker_unavailable' },
      { 'Retry-After': '1' },
    );
  }
}
