import { about, atLeast, atMost, type Exercise, post, predict, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { heapShareOfLimit, JQ, queued, queueMb } from './measures';

export default {
  id: '03-memory-crash',
  title: 'Memory pressure: the unbounded queue until the crash',
  backend: {
    only: 'memory',
    why: "the point is the producer's own heap filling up until it crashes; on the broker the queue is not in the producer (exercise 23 crashes it there)",
  },
  goal:
    "Keep the consumer slow and the queue unbounded, and follow the producer's memory until it dies. " +
    "`npm start` caps the producer's heap at MEMORY_LIMIT_MB (256) and restarts it a second after a crash; " +
    'the Docker stack does the same with a 256 MB container. Everything that was queued is lost.',
  intro:
    "Careful on a shared or small machine: this exercise deliberately fills the producer's heap up to its cap " +
    '(256 MB by default; `MEMORY_LIMIT_MB=128 npm start` for less).',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5× (as in exercise 2): 4 items/s'),
    post('producer', '/admin/config', { production_rate: 50 }, 'Produce 50 items/s, as the original lab suggests'),
    watch(3, 'Let it settle'),
    watch(20, 'Watch the memory', { window: 'light', jq: JQ.memory }),
    predict(
      'At this pace, how long until the queue alone holds 256 MB?',
      '(50 − 4) items/s × ~1,224 B ≈ 0.054 MB/s, so 256 MB takes about 80 minutes. Too slow for a workshop: the next step makes each item 50 KB.',
    ),
    post(
      'producer',
      '/admin/config',
      { payload_bytes: 50000, production_rate: 100 },
      'Make every item 50 KB and produce 100 of them a second',
    ),
    until('Wait for the crash: the producer stops answering', (s) => s.producer === undefined, 240, {
      window: 'crash',
      jq: JQ.memory,
    }),
    until('Wait for the producer to come back (npm start restarts it after 1 s)', (s) => s.producer !== undefined, 30, {
      window: 'back',
    }),
  ],
  watch: {
    panels: [PANELS.memory, PANELS.queueDepth],
    terminal: 'the memory bar against the limit; then the producer turns red (DOWN) and comes back with an empty queue.',
  },
  checks: [
    about('queue memory growth at 50 items/s', 0.054, 'MB/s', (r) => r.window('light').rate(queueMb), {
      tolerance: 0.25,
      why: '(50 − 4) items/s × (1,024 + ~200) B',
    }),
    about('queue memory growth with 50 KB items', 4.6, 'MB/s', (r) => r.window('crash').rate(queueMb), {
      tolerance: 0.3,
      why: '(100 − 4) items/s × (50,000 + ~200) B',
    }),
    atMost('time until the crash', 56, 's', (r) => r.window('crash').seconds, {
      why: '256 MB ÷ 4.6 MB/s at most: the heap holds more than the queue, and Docker caps it lower (160 MB)',
    }),
    atLeast('heap used when last seen, share of memory_limit_mb', 50, '%', (r) => heapShareOfLimit(r.window('crash').last), {
      why: 'it died of a full heap, not of something else',
    }),
    atLeast('items lost in the crash', 1000, 'items', (r) => queued(r.window('crash').last), {
      why: "everything queued lived only in the producer's memory (about 5,000 items with the 256 MB cap)",
    }),
    atMost('queue right after the restart', 5, 'items', (r) => queued(r.window('back').last), {
      why: 'a fresh process starts empty, with its settings from the environment (10 items/s, 1 KB)',
    }),
  ],
  question: 'The crash "fixed" the queue: memory is low again and the queue is empty. What did it cost, and why will it happen again?',
  answer:
    'Every queued item was lost at once, without a trace except the counters of a process that no longer exists — worse ' +
    'than any deliberate rejection, where each lost item is counted and its sender told. Nothing changed either: the ' +
    'consumer is still slower than the producer, so the queue grows again at the same rate and the crash repeats. An ' +
    'unbounded queue does not remove the need to choose what to lose; it just makes the choice "everything, later".',
  docker:
    'Watch the container instead of the process: `docker stats lab18-producer --no-stream` shows its memory against the ' +
    '256 MB limit. The heap is capped at 160 MB inside it (NODE_OPTIONS in docker-compose.yml), so V8 stops the ' +
    'process with "JavaScript heap out of memory" before the kernel\'s OOM killer would, and ' +
    '`restart: unless-stopped` brings it back: `docker compose ps` shows the restart, `docker compose logs lab18-producer` the message.',
} satisfies Exercise;
