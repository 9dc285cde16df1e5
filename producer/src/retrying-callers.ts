// Open arrivals' callers as real clients behave (client_timeout_ms, client_retries): each caller
// waits for its item to be done for at most client_timeout_ms, then gives up on it and tries again
// with a new item, up to client_retries times. A refusal or a loss (rejected, dropped, expired)
// is tried again at once too. The item a caller gave up on is not withdrawn: the producer does not
// know the caller left (unless the item carries a deadline, max_item_age_ms), so it may still be
// sent and processed: work nobody waits for. Under overload every caller that times out adds
// another item, which is how a short trigger can leave a system overloaded after it ends
// (a metastable failure, labs exercise 40).

import type { CallerStats } from './caller-stats';
import type { Intake } from './intake';
import { createItem, type Priority } from './item';
import type { ItemOutcomes } from './item-outcomes';

export interface CallerSettings {
  payload_bytes: number;
  max_item_age_ms: number;
  client_timeout_ms: number;
  client_retries: number;
}

/** One caller: tries until its item is done in time or its retries are used up. */
export async function retryingCaller(
  intake: Intake,
  outcomes: ItemOutcomes,
  stats: CallerStats,
  s: CallerSettings,
  priority: Priority,
  /** False once the arrivals stopped (arrivals or the producer changed): no further tries then. */
  arriving: () => boolean,
): Promise<void> {
  stats.started++;
  for (let attempt = 0; attempt <= s.client_retries && (attempt === 0 || arriving()); attempt++) {
    stats.attempts++;
    const item = createItem(s.payload_bytes, priority, false, undefined, s.max_item_age_ms);
    const outcome = outcomes.watch(item);
    void intake.offer(item, 'generator'); // its refusal, if any, settles `outcome`
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), s.client_timeout_ms);
    });
    const result = await Promise.race([outcome, timedOut]);
    clearTimeout(timer);
    if (result === true) {
      stats.succeeded++;
      return;
    }
    if (result === 'timeout') {
      stats.timedOut++;
      outcomes.forget(item);
    } else {
      stats.failed++;
    }
  }
  stats.gaveUp++;
}
