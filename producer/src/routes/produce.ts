// POST /produce {"count": N, "priority"}: a burst through the same admission as every item,
// offered in slices of a few milliseconds so that /status and the senders keep running meanwhile.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Router } from 'express';
import { z } from 'zod';
import { abortWhenClientGone, parseInput } from '../../../common/src/http';
import type { Decision } from '../admission/outcome';
import { createItem } from '../item';
import { OfferWindow } from '../offer-window';
import type { Producer } from '../producer';
import { retryAfterSeconds } from './retry-after';

/** Largest burst one POST /produce may ask for; it is produced in slices, never in one go. */
export const MAX_PRODUCE_COUNT = 1_000_000;
/**
 * The longest the burst holds the event loop before /status and the senders get a turn. A slice of
 * time, not a count of items: a count takes longer on a slower or busier machine (1,000 items took
 * 20-60 ms on a busy 2-core one).
 */
const SLICE_MS = 5;

const produceBody = z.strictObject({
  count: z.number().int().min(1).max(MAX_PRODUCE_COUNT).default(1),
  priority: z.enum(['high', 'normal']).default('normal'),
});

interface Tally {
  queued: number;
  rejected: number;
  dropped: number;
  sampled_out: number;
}

export function produceRoutes(producer: Producer): Router {
  const routes = Router();
  routes.post('/produce', async (req, res) => {
    const { count, priority } = parseInput(produceBody, req.body);
    const signal = abortWhenClientGone(res);
    const tally: Tally = { queued: 0, rejected: 0, dropped: 0, sampled_out: 0 };
    const window = new OfferWindow(() => producer.backend.offersAtOnce);
    let sliceStarted = performance.now();
    for (let i = 0; i < count && !signal.aborted; i++) {
      const offer = producer.intake.offer(
        createItem(producer.settings.payload_bytes, priority, false, undefined, producer.settings.max_item_age_ms),
        'produce',
        signal,
      );
      await window.add(offer.then((decision) => tallyDecision(tally, decision)));
      if (performance.now() - sliceStarted >= SLICE_MS) {
        await yieldToEventLoop(); // let /status and the senders run
        sliceStarted = performance.now();
      }
    }
    await window.drain();
    await producer.backend.depthSettled(); // queue_size below, and /status after it, count the burst
    const body = { requested: count, ...tally, queue_size: producer.queueSize() };
    if (tally.queued === 0 && tally.rejected > 0) {
      res
        .set('Retry-After', String(retryAfterSeconds(producer)))
        .status(429)
        .json({ error: 'Queue is full', ...body });
    } else {
      res.json(body);
    }
  });
  return routes;
}

function tallyDecision(tally: Tally, d: Decision) {
  if (d.kind === 'queued') {
    tally.queued++;
    if (d.evicted) tally.dropped++;
  } else if (d.kind === 'rejected') {
    tally.rejected++;
  } else {
    tally.sampled_out++;
  }
}
