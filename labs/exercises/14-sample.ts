import { about, atLeast, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { processed, queued, rejected, sampledOut } from './measures';

export default {
  id: '14-sample',
  title: 'Strategy: sampling (keep 1 in N)',
  goal:
    'Below a high-water mark (50) keep everything; above it keep 1 item in sample_rate (10) and discard the rest on ' +
    'purpose. The queue settles at the mark and the loss is spread evenly instead of falling in blocks.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 4 items/s'),
    post(
      'producer',
      '/admin/config',
      { queue_mode: 'sample', sample_high_water: 50, sample_rate: 10 },
      'Switch to sampling: above 50 queued, keep 1 in 10',
    ),
    until('Wait until the queue reaches the high-water mark', (s) => (s.producer?.queue.size ?? 0) >= 50, 30),
    watch(20, 'Watch sampling hold the queue at the mark', {
      window: 'sampling',
      jq: '{size: .queue.size, sampled_out: .accounting.sampled_out, rejected: .accounting.rejected}',
    }),
  ],
  watch: {
    panels: [PANELS.rejectedDropped, PANELS.queueDepth, PANELS.throughput],
    terminal: 'the queue bar stays at ~50 of 100; "dropped" (sampled out) runs at 6/s.',
  },
  checks: [
    atLeast('smallest queue', 40, 'items', (r) => r.window('sampling').min(queued), { why: 'the high-water mark, 50' }),
    atMost('largest queue', 55, 'items', (r) => r.window('sampling').max(queued)),
    about('items sampled out', 6, 'items/s', (r) => r.window('sampling').rate(sampledOut), {
      why: 'what the consumer cannot take: 10 − 4',
    }),
    about('items processed', 4, 'items/s', (r) => r.window('sampling').rate(processed), { tolerance: 0.15 }),
    exactly('rejections', 0, 'items', (r) => r.window('sampling').change(rejected), { why: 'max_queue_size (100) is never reached' }),
  ],
  question: 'Sampling and drop_oldest both discard 6 items a second. Why might you prefer sampling for metrics or logs?',
  answer:
    'Sampling spreads the loss evenly over time and over sources: what survives is still a fair picture of the ' +
    'stream, so rates and distributions computed from it (after scaling by the sampling factor) stay right. Dropping ' +
    'in blocks — all the oldest, or all the newest — loses whole periods and skews statistics. It is what tracing ' +
    "and log pipelines do under load (seed 001's log aggregation). It is wrong for work that must each be done.",
} satisfies Exercise;
