import { about, atLeast, atMost, type Exercise, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { JQ, queued, queueMb, rejected } from './measures';

export default {
  id: '04-bounded',
  title: 'Solution 1: a bounded queue',
  goal:
    'Give the queue a capacity of 100. With the consumer still slow (4 items/s against 10 made), the queue fills ' +
    'up and then stays full: every item that finds it full is rejected (and counted) instead of eating memory.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5× (as in exercise 2)'),
    post('producer', '/admin/clear-queue', undefined, 'Clear the existing queue'),
    post('producer', '/admin/config', { queue_mode: 'bounded', max_queue_size: 100 }, 'Switch to a bounded queue of 100'),
    // Full means 98 or more: once full, the two senders keep freeing a place that the next item
    // takes, so a look at /status can keep finding 99 for a while.
    until('Wait until the queue is full', (s) => (s.producer?.queue.size ?? 0) >= 98, 60, { window: 'fill', jq: JQ.mode }),
    watch(20, 'Watch it stay full', { window: 'full', jq: JQ.rejections }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.rejectedDropped, PANELS.memory],
    terminal: 'the queue bar at 100 / 100; rejected 6/s.',
  },
  checks: [
    about('time to fill 100 places', 16.7, 's', (r) => r.window('fill').seconds, { tolerance: 0.25, why: '100 ÷ (10 − 4) items/s' }),
    atMost('largest queue', 100, 'items', (r) => r.window('full').max(queued), { why: 'max_queue_size' }),
    atLeast('smallest queue once full', 95, 'items', (r) => r.window('full').min(queued), {
      why: 'each place freed is taken by the next item within 0.1 s',
    }),
    about('rejections', 6, 'items/s', (r) => r.window('full').rate(rejected), { why: '10 made − 4 the consumer takes' }),
    atMost('queue memory', 0.12, 'MB', (r) => r.window('full').max(queueMb), { why: '100 × ~1,224 B, however long it runs' }),
  ],
  question: 'Memory is safe now. What did that cost, and who noticed?',
  answer:
    'Six items a second are rejected: 60% of everything produced is lost. Here the generator just counts them; an HTTP ' +
    'client would get a 429 and could retry later (exercise 16), which is the best case of loss — the sender knows. ' +
    'Also look at latency: a full queue of 100 drained at 4/s means every item waits 25 s. A bounded queue bounds ' +
    'memory and wait, but only as tightly as its size: exercise 19 shows how to size it.',
} satisfies Exercise;
