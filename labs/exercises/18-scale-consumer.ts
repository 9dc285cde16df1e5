import { about, type Exercise, exactly, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { consumerCapacity, JQ, processed, queued } from './measures';

export default {
  id: '18-scale-consumer',
  title: 'Scale the consumer',
  backend: {
    only: 'memory',
    why: "it is about the producer's senders (sender_concurrency), which push each item to the consumer; on the broker the consumers pull and no sender exists — exercise 31 (prefetch) is the broker's version of this limit",
  },
  goal:
    "The best fix, when it is possible: more capacity. The pipeline's capacity is " +
    "min(sender_concurrency, max_concurrency) × 1000 / processing_time_ms — raising the consumer's concurrency " +
    'alone changes nothing while the producer still sends 2 at a time.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 2 × 1000 / 500 = 4 items/s'),
    watch(3, 'Let it settle'),
    watch(10, 'The queue grows', { window: 'before', jq: JQ.queue }),
    post('consumer', '/admin/config', { max_concurrency: 8 }, 'Scale the consumer: 8 items at a time'),
    watch(3, 'Let it settle'),
    watch(10, 'Did it help?', { window: 'consumer-only', jq: '{size: .queue.size, drain_capacity_per_s: .backend.drain_capacity_per_s}' }),
    post('producer', '/admin/config', { sender_concurrency: 8 }, 'And let the producer send 8 at a time'),
    watch(3, 'Let it settle'),
    watch(10, 'Now?', { window: 'both', jq: '{size: .queue.size, drain_capacity_per_s: .backend.drain_capacity_per_s}' }),
  ],
  watch: {
    panels: [PANELS.throughput, PANELS.inFlight, PANELS.queueDepth],
    terminal: 'processed stays at 4/s after the first change and rises to 16/s after the second; the queue turns round.',
  },
  checks: [
    about('queue growth, 2 senders × 2 at a time', 6, 'items/s', (r) => r.window('before').rate(queued), { why: '10 − 4' }),
    exactly('consumer capacity with max_concurrency 8', 16, 'items/s', (r) => consumerCapacity(r.window('consumer-only').last), {
      why: '8 × 1000 / 500 ms — on paper',
    }),
    about('queue growth, 2 senders × 8 at a time', 6, 'items/s', (r) => r.window('consumer-only').rate(queued), {
      tolerance: 0.25,
      why: 'min(2, 8) × 2 items/s = 4/s: the producer is now the bottleneck',
    }),
    about('items processed, 8 × 8', 16, 'items/s', (r) => r.window('both').rate(processed), {
      tolerance: 0.15,
      why: 'min(8, 8) × 1000 / 500 ms',
    }),
    about('queue shrinks by, 8 × 8', 6, 'items/s', (r) => -r.window('both').rate(queued), { tolerance: 0.35, why: '16 − 10' }),
  ],
  question: 'The consumer said it could do 16 items/s, yet nothing changed until the producer changed too. What is the general lesson?',
  answer:
    'Throughput is set by the narrowest point of the whole path, and concurrency has to match on both sides: a ' +
    'consumer that can take 8 requests at once is no faster if its caller sends 2. (The other way round — the producer ' +
    'sending more than the consumer accepts — earns 429s and retries.) Scaling also only moves the bottleneck: at 8 × 8 ' +
    'the queue shrinks by 6 items/s, and the next limit (CPU, a database, the network) is waiting. Measure ' +
    'after every change, as the seed says: "Scaling consumers: best solution if possible".',
} satisfies Exercise;
