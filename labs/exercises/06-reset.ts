import { about, atMost, type Exercise, exactly, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { balanced, consumerCapacity, processed, queued } from './measures';

export default {
  id: '06-reset',
  title: 'Reset and compare',
  goal:
    'Restore normal operation by hand, the way the original lab does: speed the consumer up, clear the queue, go ' +
    'back to the unbounded mode — and check that the system is healthy again and that the books balance. ' +
    '(What clearing gives back to memory, the heap at once and RSS only in part, is exercise 32.)',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Set the scene: slow the consumer down 5× (as in exercise 2)'),
    watch(10, 'Let a backlog build up', { window: 'backlog', jq: '.queue | {size}' }),
    post('consumer', '/admin/config', { processing_time_ms: 100 }, 'Speed the consumer back up to 100 ms per item'),
    post('producer', '/admin/clear-queue', undefined, 'Clear the queue', { name: 'cleared', read: (b) => b.items_removed }),
    post('producer', '/admin/config', { queue_mode: 'unbounded', production_rate: 10 }, 'Back to the unbounded mode at 10 items/s'),
    watch(3, 'Let it settle'),
    watch(15, 'Verify the system is healthy again', { window: 'healthy', jq: '{queue: .queue.size, accounting}' }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.throughput, PANELS.totals],
    terminal: 'the queue bar empty again, produced = processed ≈ 10/s.',
  },
  checks: [
    about('items the clear-queue removed', 60, 'items', (r) => r.value('cleared'), {
      // wide: the backlog keeps growing while the two requests before the clear are made
      tolerance: 0.4,
      why: '10 s × (10 − 4) items/s piled up; clearing counts them as "cleared"',
    }),
    exactly('consumer capacity', 20, 'items/s', (r) => consumerCapacity(r.window('healthy').last), { why: '2 × 1000 / 100 ms' }),
    about('items processed', 10, 'items/s', (r) => r.window('healthy').rate(processed), { tolerance: 0.15 }),
    atMost('largest queue', 20, 'items', (r) => r.window('healthy').max(queued), { why: "the original lab's promise: under 20" }),
    exactly('accounting balanced (1 = yes)', 1, '', (r) => balanced(r.window('healthy').last), {
      why: 'produced = queued + in flight + sent + rejected + dropped + sampled out + cleared + dead-lettered',
    }),
  ],
  question: 'Clearing the queue made the problem disappear at once. In a real system, what would "clear-queue" mean?',
  answer:
    'Throwing away 60 pieces of work that someone asked for — the same loss as rejecting them, only later and after ' +
    'they had already waited. It is a reset button for a lab, not a strategy. Note how /status still accounts for ' +
    'every one of them under `cleared`: lost work that is counted can at least be noticed, reported and replayed.',
} satisfies Exercise;
