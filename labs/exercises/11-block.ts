import { about, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { blockedSeconds, produced, queued, rejected } from './measures';

export default {
  id: '11-block',
  title: 'Strategy: block until there is room',
  goal:
    'Like a Go channel send: when the queue (20 places) is full, the producer waits until an item leaves. Nothing ' +
    "is rejected or dropped — the producer simply slows down to the consumer's pace.",
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 4 items/s'),
    post('producer', '/admin/config', { queue_mode: 'block', max_queue_size: 20 }, 'Switch to block with 20 places'),
    until('Wait until the queue is full', (s) => (s.producer?.queue.size ?? 0) >= 20, 30),
    watch(30, 'Watch the producer slow down', {
      window: 'blocked',
      jq: '{size: .queue.size, produced: .accounting.produced, rejected: .accounting.rejected, blocked_seconds: .admission.blocked_seconds}',
    }),
  ],
  watch: {
    panels: [PANELS.blockedTime, PANELS.throughput, PANELS.queueDepth],
    terminal: 'produced falls to 4/s, the same as processed; rejected and dropped stay 0.',
  },
  checks: [
    exactly('rejections', 0, 'items', (r) => r.window('blocked').change(rejected), { why: 'block never refuses' }),
    about('items produced', 4, 'items/s', (r) => r.window('blocked').rate(produced), {
      tolerance: 0.15,
      why: 'one item can enter only when one leaves',
    }),
    atMost('largest queue', 20, 'items', (r) => r.window('blocked').max(queued), { why: 'max_queue_size' }),
    about('time the producer spends blocked', 0.6, 's/s', (r) => r.window('blocked').rate(blockedSeconds), {
      why: '1 − 4 ÷ 10: it makes an item every 0.1 s as asked, then waits 0.15 s for a place that frees every 0.25 s',
    }),
  ],
  question:
    "Seed 003's micro-challenge: without backpressure (exercise 4, bounded) about 6 items a second are lost; with " +
    "block, none. What is the trade-off — what happens to the producer's own latency?",
  answer:
    'The producer now spends 60% of its time waiting — the share of its demand the consumer cannot take — and ' +
    'makes 4 items/s instead of the 10 it was asked for. If the producer is itself serving callers, they wait too: ' +
    'blocking moves the queue upstream, into threads, connections and users waiting on the producer. For a batch ' +
    'job that is ideal; for an HTTP API, every blocked caller holds a connection open (seed 000\'s "blocking ' +
    'approach"), so a timeout (exercise 12) or a 429 (exercise 16) is usually better.',
} satisfies Exercise;
