import { about, type Exercise, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import type { Window } from '../src/recording';
import { needsInstance, postTo, requireInstance, startIntro } from './instances';
import { produced, queued } from './measures';

/** What all the consumers took: produced minus what the queue gained (the runner sees consumer 1 only). */
const taken = (w: Window) => w.rate(produced) - w.rate(queued);
const START = 'QUEUE_BACKEND=rabbitmq CONSUMERS=3 npm start';
/** The defaults, which the runner sets on consumer 1 only. */
const SAME = { processing_time_ms: 100, max_concurrency: 2 };

export default {
  id: '28-competing-consumers',
  title: 'Competing consumers (broker)',
  backend: {
    only: 'rabbitmq',
    why: 'competing consumers pull from one shared queue: the in-memory producer pushes to one consumer',
  },
  needs: needsInstance('consumer', 3, START),
  goal:
    'On a broker, "add more consumers" is literal: three consumer processes take items from one queue, each as fast ' +
    'as it can. With more produced (70 items/s) than even three take, every consumer added takes its 20 items/s: ' +
    'the throughput is 20, 40, then 60 items/s, read from the queue: what is produced minus what the queue gains.',
  intro: `${startIntro('three consumers', START, 'consumers on :8001, :8003 and :8005')} \`npm run watch\` shows each one under INSTANCES.`,
  steps: [
    requireInstance('consumer', 3, START),
    postTo('consumer', 2, '/admin/config', SAME, 'Consumer 2 like consumer 1: 100 ms an item, 2 at a time'),
    postTo('consumer', 3, '/admin/config', SAME, 'Consumer 3 too'),
    postTo('consumer', 2, '/admin/pause', undefined, 'Pause consumer 2'),
    postTo('consumer', 3, '/admin/pause', undefined, 'Pause consumer 3'),
    post(
      'producer',
      '/admin/config',
      { production_rate: 70 },
      'Produce 70 items/s: more than three consumers (3 × 2 × 1000 / 100 ms = 60/s) take',
    ),
    watch(3, 'Let it settle'),
    watch(10, 'One consumer', { window: 'one', jq: '.queue.size' }),
    postTo('consumer', 2, '/admin/resume', undefined, 'Resume consumer 2'),
    watch(2, 'Let it settle'),
    watch(10, 'Two consumers', { window: 'two', jq: '.queue.size' }),
    postTo('consumer', 3, '/admin/resume', undefined, 'Resume consumer 3'),
    watch(2, 'Let it settle'),
    watch(8, 'Three consumers', { window: 'three', jq: '.queue.size' }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.throughput],
    terminal:
      'under INSTANCES, one consumer at 20/s, then two, then three; the total processed 20, 40, 60/s; the queue grows by 50, 30, 10/s.',
  },
  checks: [
    about('items processed, 1 consumer', 20, 'items/s', (r) => taken(r.window('one')), { tolerance: 0.25, why: '2 × 1000 / 100 ms' }),
    about('items processed, 2 consumers', 40, 'items/s', (r) => taken(r.window('two')), { tolerance: 0.25, why: '2 × 20' }),
    about('items processed, 3 consumers', 60, 'items/s', (r) => taken(r.window('three')), {
      tolerance: 0.25,
      why: '3 × 20: still below the 70 produced',
    }),
  ],
  question: 'Three consumers take 60 items/s. What would a fourth and a fifth give you, and where would it stop?',
  answer:
    'A fourth brings 80/s, more than the 70 produced: the queue shrinks, and once it is empty the producer is the ' +
    'narrowest point and a fifth adds nothing. With a backlog to drain they help until the next limit: ' +
    'the broker (one queue is served by one Erlang process, some thousands of messages a second with confirms and acks ' +
    'on a small machine), or the CPU — on a 2-core machine, processes that compute rather than wait stop adding ' +
    'throughput at about two. `npm run bench` measures it (broker, 1–4 consumers, with the CPU of each process).',
} satisfies Exercise;
