// What became of single items: GET /dead-letters (given up after max_attempts) and
// GET /recent-items (the slowest deliveries lately, with where their time went).
import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../../common/src/http';
import type { Producer } from '../producer';
import { SLOWEST_WINDOW_SECONDS } from '../slowest-items';

const deadLetterQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

const recentItemsQuery = z.object({
  seconds: z.coerce.number().int().min(1).max(SLOWEST_WINDOW_SECONDS).default(SLOWEST_WINDOW_SECONDS),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export function itemRoutes(producer: Producer): Router {
  const routes = Router();
  routes.get('/dead-letters', (req, res) => {
    const { limit } = parseInput(deadLetterQuery, req.query);
    res.json({ total: producer.ledger.deadLettered, items: producer.ledger.listDeadLetters(limit) });
  });
  // The browser view's waterfall.
  routes.get('/recent-items', (req, res) => {
    const { seconds, limit } = parseInput(recentItemsQuery, req.query);
    res.json({ seconds, items: producer.ledger.slowest.slowest(seconds, limit) });
  });
  return routes;
}
