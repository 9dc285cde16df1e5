import { about, type Exercise, exactly, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { consumerCapacity, JQ, processed, queued } from './measures';

export default {
  id: '08-variable-processing',
  title: 'Advanced: variable processing time',
  goal:
    'Real work does not take the same time twice. Let each item take anywhere between 50 and 500 ms: the mean is ' +
    '275 ms, so the consumer can do 2 × 1000 / 275 = 7.3 items/s — less than the 10 produced, although many items ' +
    'take only 50 ms.',
  steps: [
    post(
      'consumer',
      '/admin/config',
      { variable_processing: true, processing_min_ms: 50, processing_max_ms: 500 },
      'Make processing take 50–500 ms, uniformly',
    ),
    watch(3, 'Let it settle'),
    watch(30, 'Watch the queue', { window: 'jitter', jq: JQ.queue }),
  ],
  watch: {
    panels: [PANELS.processingTime, PANELS.queueDepth, PANELS.throughput],
    terminal: 'processed ≈ 7.3/s against 10/s produced; the queue grows slowly.',
  },
  checks: [
    exactly('consumer capacity', 7.27, 'items/s', (r) => consumerCapacity(r.window('jitter').last), {
      why: '2 × 1000 / 275 ms, the mean of 50 and 500',
    }),
    about('mean processing time', 275, 'ms', (r) => r.window('jitter').meanOf('processing') * 1000, { tolerance: 0.1 }),
    about('items processed', 7.27, 'items/s', (r) => r.window('jitter').rate(processed), { tolerance: 0.15 }),
    about('queue growth', 2.7, 'items/s', (r) => r.window('jitter').rate(queued), { tolerance: 0.4, why: '10 − 7.3' }),
  ],
  question: 'Suppose the mean were 180 ms, so the capacity (11 items/s) is above the 10 produced. Would the queue stay empty?',
  answer:
    'No. It would not grow without limit, but it would not stay near 0 either: at 90% utilisation a random mix of ' +
    'fast and slow items builds short queues whenever a few slow ones come together, and there is little spare ' +
    'capacity to clear them. Queueing theory says the average wait grows like utilisation ÷ (1 − utilisation) and ' +
    'with the variance of the service time: variable work needs more headroom than its average suggests.',
} satisfies Exercise;
