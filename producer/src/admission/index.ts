// Builds the strategy for a queue_mode from the settings. One line per mode; each strategy
// lives in its own file and reads on its own.
import type { ProducerSettings } from '../config';
import type { WaitKind } from '../intake';
import { Adaptive } from './adaptive';
import type { AdmissionQueue } from './admission-queue';
import { Block } from './block';
import { Bounded } from './bounded';
import { RateLimited } from './rate-limited';
import { Sample } from './sample';
import type { Strategy } from './strategy';
import { Timeout } from './timeout';
import { Unbounded } from './unbounded';

export function createStrategy(s: ProducerSettings, queue: AdmissionQueue, drainRate: () => number): Strategy {
  switch (s.queue_mode) {
    case 'unbounded':
      return new Unbounded(queue);
    case 'bounded':
      return new Bounded(queue, s.max_queue_size, s.overflow);
    case 'rate_limited':
      return new RateLimited(queue, s.rate_limit, s.burst);
    case 'block':
      return new Block(queue, s.max_queue_size);
    case 'timeout':
      return new Timeout(queue, s.max_queue_size, s.enqueue_timeout_ms);
    case 'sample':
      return new Sample(queue, s.max_queue_size, s.sample_high_water, s.sample_rate);
    case 'adaptive':
      return new Adaptive(queue, drainRate, s.target_latency_ms, s.adaptive_min_size, s.adaptive_max_size);
  }
}

/** What an offer may wait for in each mode (see Intake). */
export function waitKindOf(mode: ProducerSettings['queue_mode']): WaitKind {
  return mode === 'rate_limited' ? 'token' : mode === 'block' || mode === 'timeout' ? 'room' : 'none';
}

/** The settings each mode reads: a change to one of these rebuilds the strategy. */
export const STRATEGY_SETTINGS = [
  'queue_mode',
  'max_queue_size',
  'overflow',
  'rate_limit',
  'burst',
  'enqueue_timeout_ms',
  'sample_rate',
  'sample_high_water',
  'target_latency_ms',
  'adaptive_min_size',
  'adaptive_max_size',
] as const satisfies readonly (keyof ProducerSettings)[];
