import { about, type Exercise, post, predict, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { oldestAge, processed, queued } from './measures';

export default {
  id: '19-queue-sizing',
  title: 'Sizing a queue: throughput × acceptable delay',
  goal:
    "Seed 001's rule: queue size = throughput × acceptable delay. It is Little's law (L = λ × W: items in the " +
    'queue = arrival rate × time each spends there) read backwards. Predict the size for a 5 s wait, set it, and ' +
    'let the lab measure the wait.',
  steps: [
    predict(
      'The consumer, slowed down 5×, will drain 4 items/s. Users accept waiting 5 s in the queue. How many places should it have?',
      '4 items/s × 5 s = 20 places. The next steps set 20 and measure the wait.',
    ),
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: it drains 4 items/s'),
    post('producer', '/admin/config', { queue_mode: 'bounded', max_queue_size: 20 }, 'Set a bounded queue of 20'),
    until('Wait until the queue is full', (s) => (s.producer?.queue.size ?? 0) >= 20, 30),
    watch(6, 'Let the queue turn over once'),
    watch(20, 'Measure the wait', {
      window: 'sized',
      jq: '{size: .queue.size, oldest_item_age_seconds: .backend.oldest_item_age_seconds}',
    }),
  ],
  watch: {
    panels: [PANELS.queueWait, PANELS.queueDepth, PANELS.throughput],
    terminal: 'p95 queue wait settles near 5 s; the queue bar at 20 / 20.',
  },
  checks: [
    about('mean queue wait at the consumer', 5, 's', (r) => r.window('sized').meanOf('queueWait'), {
      why: '20 items ÷ 4 items/s (from backpressure_queue_wait_seconds: sum ÷ count)',
    }),
    about('age of the oldest queued item', 5, 's', (r) => r.window('sized').mean(oldestAge), {
      why: 'the same wait, seen by the producer',
    }),
    about(
      "Little's law: L ÷ (λ × W)",
      1,
      '',
      (r) => {
        const w = r.window('sized');
        return w.mean(queued) / (w.rate(processed) * w.meanOf('queueWait'));
      },
      { within: 0.15, why: 'mean queue length ÷ (throughput × mean wait), all three measured' },
    ),
  ],
  question:
    'The consumer sometimes runs at full speed (20 items/s) and sometimes slowed (4 items/s). Which throughput do you size for, and what if you want at most 2 s?',
  answer:
    'For a bound on the wait, size for the slowest drain rate you must survive: 4 × 5 = 20 places gives 5 s when ' +
    'slow (and 1 s when fast). At most 2 s means 4 × 2 = 8 places — and at full speed those 8 would allow only 0.4 s, ' +
    'refusing work the consumer could have done. A fixed size is right for one speed only; the adaptive mode ' +
    "(exercise 15) recomputes λ × W continuously, which is exactly this exercise's formula.",
} satisfies Exercise;
