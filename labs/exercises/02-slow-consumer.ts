import { about, type Exercise, exactly, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { consumerCapacity, JQ, processed, queued, queueMb } from './measures';

export default {
  id: '02-slow-consumer',
  title: 'Create backpressure: slow the consumer down',
  goal:
    'Make the consumer five times slower (500 ms per item, still 2 at a time: 4 items/s) while the producer keeps ' +
    "making 10 items/s. The difference, 6 items/s, piles up in the queue — and in the producer's memory.",
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 500 ms per item'),
    watch(3, 'Let the items already being processed finish'),
    watch(60, 'Watch the queue grow', { window: 'grow', jq: JQ.queue }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.memory, PANELS.throughput],
    terminal: 'the queue bar fills (it has no limit, so its scale keeps growing); produced 10/s against processed 4/s.',
  },
  checks: [
    exactly('consumer capacity', 4, 'items/s', (r) => consumerCapacity(r.window('grow').last), { why: '2 × 1000 / 500 ms' }),
    about('items processed', 4, 'items/s', (r) => r.window('grow').rate(processed), {
      tolerance: 0.15,
      why: 'the consumer at full capacity',
    }),
    about('queue growth', 6, 'items/s', (r) => r.window('grow').rate(queued), { why: '10 produced − 4 processed: 360 items a minute' }),
    about('queue memory growth', 7.2, 'KB/s', (r) => r.window('grow').rate(queueMb) * 1024, {
      tolerance: 0.25,
      why: '6 items/s × (1,024 B payload + ~190 B per item)',
    }),
  ],
  question: 'The queue grows 6 items/s. How long until an item that joins the queue now is processed, after one minute? After an hour?',
  answer:
    'An item that joins waits for everything ahead of it: queue size ÷ drain rate. After one minute that is 360 ÷ 4 = 90 s; ' +
    'after an hour 21,600 ÷ 4 = 90 minutes. Latency grows without limit long before memory runs out — and every item ' +
    'in the queue is already late. Exercise 7 measures this.',
} satisfies Exercise;
