// How long a refused caller should wait before trying again (the Retry-After header).
import type { Producer } from '../producer';

/** Seconds until the queue should have room again, from the backend's measured drain rate (1 to 60). */
export function retryAfterSeconds(p: Producer): number {
  const limit = p.intake.current.limit();
  const size = p.queueSize();
  const excess = Math.max(1, size - (Number.isFinite(limit) ? limit : size) + 1);
  const perSecond = p.backend.drainRate();
  if (!(perSecond > 0)) return 5;
  return Math.min(60, Math.max(1, Math.ceil(excess / perSecond)));
}
