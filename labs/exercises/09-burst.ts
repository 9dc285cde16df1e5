import { about, type Exercise, exactly, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { JQ, processed, queued } from './measures';

export default {
  id: '09-burst',
  title: 'Advanced: a burst of traffic',
  goal:
    'A healthy system with spare capacity absorbs a burst — if the queue can hold it. Send 1,000 items at once ' +
    'through POST /produce (they pass the same admission as everything else) and watch the spare 10 items/s drain them.',
  steps: [
    post('producer', '/produce', { count: 1000 }, 'Send a burst of 1,000 items', { name: 'queued', read: (b) => b.queued }),
    watch(20, 'Watch the burst drain', { window: 'drain', jq: JQ.queue }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.throughput, PANELS.queueWait],
    terminal: 'the queue bar jumps, then shrinks about 10 items/s; processed runs at the full 20/s.',
  },
  checks: [
    exactly('items the burst queued', 1000, 'items', (r) => r.value('queued'), { why: 'unbounded: everything is accepted' }),
    about('items processed', 20, 'items/s', (r) => r.window('drain').rate(processed), { why: 'the consumer at full capacity' }),
    about('queue shrinks by', 10, 'items/s', (r) => -r.window('drain').rate(queued), {
      tolerance: 0.4,
      why: '20 processed − 10 still being produced (a small loss of capacity shows here doubled)',
    }),
  ],
  question: 'How long does the burst take to drain, and what does the last item of the burst experience?',
  answer:
    'Only the spare capacity drains it: 1,000 ÷ (20 − 10) = 100 s. The last item waits behind 999 others drained ' +
    'at 20 items/s — about 50 s before it is processed. A queue turns a burst into latency. Had the queue been ' +
    'bounded at 100, 900 items would have been rejected at once instead; which is better depends on whether a ' +
    'late answer is still worth anything.',
} satisfies Exercise;
