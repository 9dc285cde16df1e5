import { about, atMost, type Exercise, exactly, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { JQ, produced, queued, rateLimitDelays, rejected } from './measures';

export default {
  id: '05-rate-limit',
  title: 'Solution 2: rate limiting',
  goal:
    'Instead of refusing items, slow the producer down: a token bucket lets 2 items/s through and makes the ' +
    'producer wait for a token otherwise. Nothing is rejected and the queue stays small — as long as the rate is ' +
    'below what the consumer can do.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5× (as in exercise 2): 4 items/s'),
    post('producer', '/admin/clear-queue', undefined, 'Clear the queue'),
    post('producer', '/admin/config', { queue_mode: 'rate_limited', rate_limit: 2 }, 'Switch to rate limiting at 2 items/s'),
    watch(3, 'Let the first burst of tokens go through'),
    watch(30, 'Watch the queue stay small', { window: 'limited', jq: '.queue | {mode, size}' }),
    post('producer', '/admin/config', { rate_limit: 5 }, "Now allow 5 items/s: more than the consumer's 4"),
    watch(3, "Let the new bucket's first tokens go through"),
    watch(30, 'Watch the queue again', { window: 'too-fast', jq: JQ.queue }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.rateLimitDelays, PANELS.throughput],
    terminal: 'produced drops to 2/s and matches processed; rejected stays 0.',
  },
  checks: [
    about('items produced', 2, 'items/s', (r) => r.window('limited').rate(produced), { tolerance: 0.15, why: 'rate_limit' }),
    exactly('rejections', 0, 'items', (r) => r.window('limited').change(rejected), { why: 'the producer waits instead' }),
    atMost('largest queue', 3, 'items', (r) => r.window('limited').max(queued), { why: '2 items/s in, up to 4 items/s out' }),
    about('items that waited for a token', 2, 'items/s', (r) => r.window('limited').rate(rateLimitDelays), {
      why: 'once the burst of 5 is spent, every item waits',
    }),
    about('queue growth at rate_limit 5', 1, 'items/s', (r) => r.window('too-fast').rate(queued), {
      within: 0.4,
      why: '5 let through − 4 processed',
    }),
  ],
  question: 'No data was lost at 2/s. Why is rate limiting not the end of the story?',
  answer:
    'Two reasons. The producer now makes 2 items/s instead of 10: the other 8 were not lost, they were never made — ' +
    "the producer's callers (users, upstream services) are the ones who wait, so the backpressure travels upstream. " +
    'And the limiter only knows a number, not the consumer: at 5/s it lets through more than the slowed consumer can ' +
    "take and the queue grows again, 1 item/s. A fixed rate must be re-tuned whenever the consumer's speed changes; " +
    'the adaptive mode (exercise 15) measures it instead.',
} satisfies Exercise;
