import { about, atLeast, atMost, exactly, post, watch, type Exercise } from '../src/exercise';
import { PANELS } from '../src/panels';
import { balanced, consumerCapacity, heapMb, JQ, processed, queued } from './measures';

/** Items added at once before the clear, so that the memory it gives back is plain to see. */
const BURST = 50_000;

export default {
  id: '06-reset',
  title: 'Reset and compare',
  goal:
    'Restore normal operation by hand, the way the original lab does: speed the consumer up, clear the queue, go ' +
    'back to the unbounded mode — and check that the system is healthy again and that the books balance. On the ' +
    'way, see what clearing gives back: the heap at once, the process\'s memory (RSS) only in part.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Set the scene: slow the consumer down 5× (as in exercise 2)'),
    watch(10, 'Let a backlog build up', { window: 'backlog', jq: '.queue | {size}' }),
    post('producer', '/produce', { count: BURST }, `Make the backlog weigh something: ${BURST.toLocaleString('en')} items more at once`),
    watch(3, 'See what it weighs: the queue\'s estimate, the heap used, the process\'s RSS', { window: 'heavy', jq: JQ.memory }),
    post('consumer', '/admin/config', { processing_time_ms: 100 }, 'Speed the consumer back up to 100 ms per item'),
    post('producer', '/admin/clear-queue', undefined, 'Clear the queue', { name: 'cleared', read: (b) => b.items_removed }),
    watch(3, 'Watch the memory after the clear', { window: 'cleared', jq: JQ.memory }),
    post('producer', '/admin/config', { queue_mode: 'unbounded', production_rate: 10 }, 'Back to the unbounded mode at 10 items/s'),
    watch(3, 'Let it settle'),
    watch(15, 'Verify the system is healthy again', { window: 'healthy', jq: '{queue: .queue.size, accounting}' }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.memory, PANELS.throughput, PANELS.totals],
    terminal: 'the memory line: heap and RSS jump with the burst; after the clear the heap falls at once, RSS only part of the way.',
  },
  checks: [
    about('items the clear-queue removed', BURST + 80, 'items', (r) => r.value('cleared'), {
      // wide: the backlog keeps growing while the requests before the clear are made
      within: 30,
      why: `${BURST.toLocaleString('en')} from the burst + (10 + 3) s × (10 − 4) items/s that piled up; clearing counts them as "cleared"`,
    }),
    atLeast('heap used with the burst queued', 60, 'MB', (r) => heapMb(r.window('heavy').last), {
      why: `${BURST.toLocaleString('en')} × ~1,224 B ≈ 61 MB of items, on top of the ~15 MB the producer needs itself`,
    }),
    atMost('heap used after the clear', 30, 'MB', (r) => heapMb(r.window('cleared').last), {
      why: 'the producer asks V8 for a full garbage collection right after a clear: back to its own ~15 MB',
    }),
    exactly('consumer capacity', 20, 'items/s', (r) => consumerCapacity(r.window('healthy').last), { why: '2 × 1000 / 100 ms' }),
    about('items processed', 10, 'items/s', (r) => r.window('healthy').rate(processed), { tolerance: 0.15 }),
    atMost('largest queue', 20, 'items', (r) => r.window('healthy').max(queued), { why: 'the original lab\'s promise: under 20' }),
    exactly('accounting balanced (1 = yes)', 1, '', (r) => balanced(r.window('healthy').last), {
      why: 'produced = queued + in flight + sent + rejected + dropped + sampled out + cleared + dead-lettered',
    }),
  ],
  question: 'Clearing the queue made the problem disappear at once. In a real system, what would "clear-queue" mean?',
  intro:
    'Why RSS lags the heap: V8 takes memory from the system in pages and keeps some it no longer needs, expecting ' +
    'to grow again. After the clear, `heap_used_mb` falls at once (the producer runs a full garbage collection; ' +
    'without it V8 would keep the dead items until its heap next reached its limit, minutes away at 10 items/s). ' +
    'RSS falls in two steps: about half of what the burst added, at once, as V8 returns the pages that held ' +
    'the items; the rest 8–30 s later, when V8\'s memory reducer sees the process quiet and shrinks the ' +
    'heap it had reserved (`npm run bench` measures both steps; see the README\'s Performance section). A memory ' +
    'graph of RSS alone would say clearing did little; the heap says what the program holds.',
  answer:
    'Throwing away 50,080 pieces of work that someone asked for — the same loss as rejecting them, only later and after ' +
    'they had already waited. It is a reset button for a lab, not a strategy. Note how /status still accounts for ' +
    'every one of them under `cleared`: lost work that is counted can at least be noticed, reported and replayed.',
} satisfies Exercise;
