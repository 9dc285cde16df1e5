import { about, atMost, type Exercise, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { oldestAge, queueLimit, rejected } from './measures';

const JQ_LIMIT =
  '{size: .queue.size, limit: .queue.limit, drain_per_s: .admission.drain_rate_per_s, oldest_s: .backend.oldest_item_age_seconds}';

export default {
  id: '15-adaptive',
  title: "Strategy: an adaptive limit (seed 003's challenge)",
  backend: {
    only: 'memory',
    why: "the limit follows the consumer's capacity, which only the dispatcher measures (from each send's duration); on the broker the producer sees the consumers' ack rate in the management API's statistics instead — their throughput, averaged over 5 s and a second late — so there the limit is 20 at full speed, not 40, and took 8.6 s, not under 3, to follow the slow-down",
  },
  goal:
    'Instead of a fixed size, let the limit follow the consumer: limit = measured drain rate × target wait ' +
    '(target_latency_ms, 2 s). At full speed that is 20 × 2 = 40 places; when the consumer slows to 4 items/s the ' +
    'limit shrinks to 8 within a second or two, and the wait stays at the target.',
  steps: [
    post(
      'producer',
      '/admin/config',
      { queue_mode: 'adaptive', target_latency_ms: 2000 },
      'Switch to the adaptive limit with a 2 s target',
    ),
    watch(3, 'Let it measure the consumer'),
    watch(6, 'At full speed', { window: 'fast', jq: JQ_LIMIT }),
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×'),
    until('Wait for the limit to shrink', (s) => (s.producer?.queue.limit ?? Infinity) <= 10, 20, { window: 'shrinking', jq: JQ_LIMIT }),
    watch(5, 'Let the queue turn over'),
    watch(15, 'Slowed: the limit holds the wait at the target', { window: 'slow', jq: JQ_LIMIT }),
  ],
  watch: {
    panels: [PANELS.adaptiveLimit, PANELS.queueDepth, PANELS.queueWait, PANELS.rejectedDropped],
    terminal: "the queue bar's limit drops from ~40 to ~8; rejected 6/s.",
  },
  checks: [
    about('limit at full speed', 40, 'items', (r) => queueLimit(r.window('fast').last), {
      tolerance: 0.25,
      why: "20 items/s × 2 s (Little's law: L = λ × W)",
    }),
    atMost('time for the limit to adapt', 3, 's', (r) => r.window('shrinking').seconds, {
      why: 'the drain rate is a moving average of the last few sends',
    }),
    about('limit after the slow-down', 8, 'items', (r) => r.window('slow').mean(queueLimit), {
      within: 2,
      why: "4 items/s × 2 s = 8; usually 7, as the measured drain includes each request's own overhead",
    }),
    about('age of the oldest item', 1.75, 's', (r) => r.window('slow').mean(oldestAge), {
      tolerance: 0.25,
      why: 'limit ÷ drain rate: 7 ÷ 4, just under the 2 s target (the limit is rounded down, and the measured drain is a hair under 4/s)',
    }),
    about('rejections', 6, 'items/s', (r) => r.window('slow').rate(rejected), { why: '10 − 4' }),
  ],
  question: 'Compare with exercise 4 (a fixed 100 places): what did the adaptive limit buy, and what can go wrong with it?',
  answer:
    'With a fixed 100 places the slowed consumer made every item wait 25 s; the adaptive limit keeps the wait at the ' +
    '2 s target by refusing earlier, and gives the room back when the consumer speeds up. It loses the same 6 items/s ' +
    '— no strategy can process more than the consumer can. Its weak points: it lags the consumer by a few sends, it ' +
    'needs traffic to measure anything (adaptive_min_size keeps a floor), a consumer that stalls completely drives ' +
    'the limit to that floor, and the target is a bound on the average wait, not a promise for every item.',
} satisfies Exercise;
