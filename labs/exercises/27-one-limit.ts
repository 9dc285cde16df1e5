import { about, atLeast, atMost, type Exercise, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import type { Up } from '../src/recording';
import { needsInstance, postTo, recordFrom, requireInstance, startIntro } from './instances';
import { rejected } from './measures';

const BOUNDED = { queue_mode: 'bounded', max_queue_size: 100, production_rate: 10 };
const START = 'QUEUE_BACKEND=rabbitmq PRODUCERS=2 CONSUMERS=1 npm start';
/** The broker's own count of ready items: the one queue both producers fill. */
const ready = (s: Up) => s.producer.backend.ready ?? NaN;

export default {
  id: '27-one-limit',
  title: 'One limit, two producers (broker)',
  backend: {
    only: 'rabbitmq',
    why: 'it needs several producers sharing one queue, which only a broker gives them',
  },
  needs: needsInstance('producer', 2, START),
  goal:
    'Two producers publish into one RabbitMQ queue bounded at 100. The limit belongs to the queue, not to a ' +
    'process: the queue plateaus at 100 (a limit per producer would let it reach 200), and the rejections split ' +
    'between the producers, about half each.',
  intro: startIntro('two producers', START, 'producer-1 on :8000, producer-2 on :8002, one consumer on :8001'),
  steps: [
    requireInstance('producer', 2, START),
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: it takes 4 items/s'),
    post('producer', '/admin/clear-queue', undefined, 'Empty the queue (it is the same queue for both producers)'),
    post('producer', '/admin/config', BOUNDED, 'Producer 1: a bounded queue of 100, 10 items/s'),
    postTo('producer', 2, '/admin/config', BOUNDED, 'Producer 2: the same settings'),
    until('Wait until the queue is full', (s) => (s.producer?.backend.ready ?? 0) >= 98, 60),
    recordFrom('producer', 2, '.accounting.rejected', 'rejected before', (s) => s.accounting.rejected),
    watch(20, 'Watch both producers meet the one limit', { window: 'full', jq: '{ready: .backend.ready, rejected: .accounting.rejected}' }),
    recordFrom('producer', 2, '.accounting.rejected', 'rejected after', (s) => s.accounting.rejected),
    postTo('producer', 2, '/admin/config', { queue_mode: 'unbounded', production_rate: 10 }, 'Producer 2 back to its defaults'),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.rejectedDropped],
    terminal: 'npm run watch: the queue at 100; under INSTANCES, producer-1 and producer-2 each rejected about 8/s.',
  },
  checks: [
    atMost('largest queue in the broker', 100, 'items', (r) => r.window('full').max(ready), {
      why: 'one max-length for both: not 2 × 100',
    }),
    atLeast('smallest queue once full', 95, 'items', (r) => r.window('full').min(ready), {
      why: '20 made against 4 taken: a freed place is taken at once',
    }),
    about('rejections, producer 1', 8, 'items/s', (r) => r.window('full').rate(rejected), {
      tolerance: 0.3,
      why: '(2 × 10 − 4) ÷ 2: half the overflow',
    }),
    about(
      'rejections, producer 2',
      8,
      'items/s',
      (r) => (r.value('rejected after') - r.value('rejected before')) / r.window('full').seconds,
      {
        tolerance: 0.3,
        why: 'the other half',
      },
    ),
  ],
  question: 'Why does one queue limit hold for any number of producers, and what would a limit inside each producer do?',
  answer:
    'The broker enforces max-length on the queue itself: every publish, from whichever producer, is refused (nacked) ' +
    'while 100 items are ready, so the producers share the limit and its rejections in proportion to what they offer. ' +
    'A limit kept in each process only counts what that process sent: two producers could put 200 items in the queue, ' +
    "ten could put 1,000 — the consumer's backlog, and every item's wait, would grow with the number of producers.",
  docker: 'The Docker stack runs one producer: this exercise is for `npm start` on the broker.',
} satisfies Exercise;
