import { about, atMost, type Exercise, exactly, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { consumerCapacity, JQ, processed, produced, queued } from './measures';

export default {
  id: '01-baseline',
  title: 'Baseline: a balanced system',
  goal:
    'See what "healthy" looks like before breaking anything. The producer makes 10 items/s; the consumer ' +
    'can finish 2 × 1000 / 100 ms = 20 items/s. With that much headroom the queue stays close to empty.',
  steps: [watch(4, 'Let the lab warm up'), watch(30, 'Watch the queue', { window: 'steady', jq: JQ.queue })],
  watch: {
    panels: [PANELS.queueDepth, PANELS.throughput],
    terminal: 'the queue bar stays near empty; produced, sent and processed all show about 10/s.',
  },
  checks: [
    exactly('consumer capacity', 20, 'items/s', (r) => consumerCapacity(r.window('steady').last), {
      why: 'max_concurrency × 1000 / processing_time_ms = 2 × 1000 / 100',
    }),
    about('items produced', 10, 'items/s', (r) => r.window('steady').rate(produced), { tolerance: 0.15, why: 'production_rate' }),
    about('items processed', 10, 'items/s', (r) => r.window('steady').rate(processed), {
      tolerance: 0.15,
      why: 'the consumer keeps up: everything made is processed',
    }),
    atMost('largest queue seen', 10, 'items', (r) => r.window('steady').max(queued), {
      why: 'the consumer is idle half the time; the queue is usually 0 or 1',
    }),
  ],
  question: 'The consumer is idle half the time. Why not run it with one connection (sender_concurrency 1) and save resources?',
  answer:
    'With one sender the pipeline can do 1 × 1000 / 100 = 10 items/s — exactly what is produced. A queue at 100% ' +
    'utilisation is not stable: every random hiccup adds items that there is never spare capacity to remove, so the ' +
    'queue wanders upward without bound. Headroom (here 50%) is what lets a queue drain after a hiccup. Try it: ' +
    '`curl -s -X POST http://localhost:8000/admin/config -d \'{"sender_concurrency": 1}\'` and watch for a few minutes.',
} satisfies Exercise;
