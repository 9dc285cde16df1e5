// GET /recent-items: the slowest deliveries lately, with where their time went. (What became of
// items given up after max_attempts is dead-letters.ts.)
import { Router } from 'express';
import { parseInput } from '../../../common/src/http';
import { recentItemsQuery } from '../../../common/src/slowest-window';
import type { Producer } from '../producer';

export function itemRoutes(producer: Producer): Router {
  const routes = Router();
  // The browser view's waterfall.
  routes.get('/recent-items', (req, res) => {
    const { seconds, limit } = parseInput(recentItemsQuery, req.query);
    res.json({ seconds, items: producer.ledger.slowest.slowest(seconds, limit) });
  });
  return routes;
}
