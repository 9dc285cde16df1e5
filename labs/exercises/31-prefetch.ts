import { about, type Exercise, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import type { Recording } from '../src/recording';
import { needsInstance, postTo, recordProcessed, requireInstance, startIntro } from './instances';

const START = 'QUEUE_BACKEND=rabbitmq CONSUMERS=3 npm start';
const FAST = { processing_time_ms: 100, max_concurrency: 10 };
const SLOW = { processing_time_ms: 1000, max_concurrency: 50 };

/** The slow consumer's share (%) of what all three processed between two recordings. */
function slowShare(r: Recording, from: string, to: string): number {
  const took = [1, 2, 3].map((n) => r.value(`${to} ${n}`) - r.value(`${from} ${n}`));
  return (100 * took[2]) / (took[0] + took[1] + took[2]);
}

export default {
  id: '31-prefetch',
  title: 'Prefetch: how much a slow consumer may take (broker)',
  backend: {
    only: 'rabbitmq',
    why: 'the prefetch is how many unacknowledged items RabbitMQ hands a consumer',
  },
  needs: needsInstance('consumer', 3, START),
  goal:
    'RabbitMQ hands each consumer up to its prefetch of unacked items, in turn. A slow consumer (1 s an item) with a ' +
    'prefetch of 50 takes a full third of the items — each of which then takes 1 s, ten times what the fast ones ' +
    'need. With a prefetch of 1 it takes one at a time, about 1 item/s, and the fast consumers do the rest.',
  intro:
    startIntro('three consumers', START, 'consumers on :8001, :8003 and :8005') +
    " Here a consumer's prefetch is its max_concurrency: how many items it holds, unacked, at once.",
  steps: [
    requireInstance('consumer', 3, START),
    post('consumer', '/admin/config', FAST, 'Consumer 1: fast, 100 ms an item, a prefetch of 10'),
    postTo('consumer', 2, '/admin/config', FAST, 'Consumer 2: the same'),
    postTo('consumer', 3, '/admin/config', SLOW, 'Consumer 3: slow, 1 s an item, a prefetch of 50'),
    post('producer', '/admin/config', { production_rate: 30 }, 'Produce 30 items/s: far less than the three can take'),
    watch(3, 'Let it settle'),
    recordProcessed(3, 'prefetch 50, before'),
    watch(10, 'Who takes the items?', { window: 'fifty' }),
    recordProcessed(3, 'prefetch 50, after'),
    postTo('consumer', 3, '/admin/config', { max_concurrency: 1 }, 'Consumer 3: a prefetch of 1'),
    watch(3, 'Let it settle'),
    recordProcessed(3, 'prefetch 1, before'),
    watch(10, 'And now?', { window: 'one' }),
    recordProcessed(3, 'prefetch 1, after'),
    postTo('consumer', 2, '/admin/config', { processing_time_ms: 100, max_concurrency: 2 }, 'Consumer 2 back to its defaults'),
    postTo('consumer', 3, '/admin/config', { processing_time_ms: 100, max_concurrency: 2 }, 'Consumer 3 back to its defaults'),
  ],
  watch: {
    panels: [PANELS.throughput, PANELS.processingTime],
    terminal: 'INSTANCES: consumer-3 at about 10/s with prefetch 50, about 1/s with prefetch 1; the total stays 30/s.',
  },
  checks: [
    about("the slow consumer's share, prefetch 50", 33, '%', (r) => slowShare(r, 'prefetch 50, before', 'prefetch 50, after'), {
      within: 8,
      why: 'round robin among three that all have room: one item in three',
    }),
    about("the slow consumer's share, prefetch 1", 3.3, '%', (r) => slowShare(r, 'prefetch 1, before', 'prefetch 1, after'), {
      within: 3,
      why: '1 item/s (1 at a time, 1 s each) of 30',
    }),
  ],
  question: 'A prefetch of 1 was fairer here. Why not always use 1?',
  answer:
    'Because it costs throughput when processing is fast: a consumer with a prefetch of 1 waits a full round trip to ' +
    'the broker (ack, then the next delivery) between items, so at a millisecond per item it idles most of the time. ' +
    'A larger prefetch keeps items waiting in the consumer, ready — good for fast, even work, bad when one consumer is ' +
    'slow or dies (a crash puts back everything it holds, exercises 24 and 30). Prefetch is backpressure from consumer to ' +
    'broker: set it near concurrency × a little, not at "unlimited".',
} satisfies Exercise;
