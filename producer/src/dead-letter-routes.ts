// GET /dead-letters and POST /admin/dead-letters/replay. In memory the given-up items are listed
// from the ledger (newest first); on the broker they are kept in RabbitMQ's lab.given-up and
// listed from it without being taken (oldest first: the order a replay takes them in), so they
// outlive a producer restart. A replay puts them back on the queue, each counted as `replayed`.
import type { Express } from 'express';
import { z } from 'zod';
import { HttpError, parseInput } from '../../common/src/http';
import { BrokerUnavailable } from './broker/given-up';
import type { Producer } from './producer';

const MAX_LISTED = 1000;
const MAX_REPLAYED = 10_000;

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(MAX_LISTED).default(100) });
const replayBody = z.strictObject({ limit: z.number().int().min(1).max(MAX_REPLAYED).default(1000) });

export function deadLetterRoutes(app: Express, producer: Producer): void {
  app.get('/dead-letters', async (req, res) => {
    const { limit } = parseInput(listQuery, req.query);
    const broker = producer.broker;
    if (!broker) {
      res.json({ total: producer.ledger.deadLettered, order: 'newest_first', items: producer.ledger.listDeadLetters(limit) });
      return;
    }
    const [total, items] = await unlessDown(() => Promise.all([broker.givenUp.count(), broker.givenUp.list(limit)]), 'nothing was listed');
    res.json({ total, order: 'oldest_first', items });
  });

  app.post('/admin/dead-letters/replay', async (req, res) => {
    const { limit } = parseInput(replayBody, req.body);
    const broker = producer.broker;
    if (!broker) {
      throw new HttpError(400, 'replay needs QUEUE_BACKEND=rabbitmq: the in-memory queue keeps only a record of each given-up item', {
        field: 'queue_backend',
        reason: 'only with QUEUE_BACKEND=rabbitmq',
      });
    }
    const result = await unlessDown(() => broker.replayGivenUp(limit), 'the items not replayed are still kept in lab.given-up');
    req.log.info(result, 'dead letters replayed');
    res.json({ status: 'ok', ...result, left: await broker.givenUp.count().catch(() => null) });
  });
}

/** A broker that cannot be reached is a 503 that says so (and what became of the request). */
async function unlessDown<T>(work: () => Promise<T>, consequence: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof BrokerUnavailable || (err instanceof Error && /management API|fetch failed|timeout/i.test(err.message))))
      throw err;
    throw new HttpError(
      503,
      `the broker cannot be reached (${err.message}): ${consequence}`,
      { reason: 'broker_unavailable' },
      { 'Retry-After': '1' },
    );
  }
}
