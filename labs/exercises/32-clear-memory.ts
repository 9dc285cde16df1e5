import { about, atLeast, atMost, type Exercise, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { heapMb, JQ, queued } from './measures';

/** Items added at once before the clear, so that the memory it gives back is plain to see. */
const BURST = 50_000;

export default {
  id: '32-clear-memory',
  title: 'What clearing gives back',
  // The items live in the producer's heap only with the in-memory queue; on the broker they are RabbitMQ's.
  backend: {
    only: 'memory',
    why: "it measures the producer's heap after clearing the queue it holds; on the broker the producer holds no queue",
  },
  goal:
    'Exercise 6 cleared a small backlog. Here the backlog weighs something: 50,000 items more, about 60 MB of heap. ' +
    "Clear it and see what comes back: the heap at once, the process's memory (RSS) only in part — and why a " +
    'memory graph of RSS alone would say that clearing did little.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Set the scene: slow the consumer down 5× (as in exercise 2)'),
    watch(10, 'Let a backlog build up', { window: 'backlog', jq: '.queue | {size}' }),
    post('producer', '/produce', { count: BURST }, `Make the backlog weigh something: ${BURST.toLocaleString('en')} items more at once`),
    watch(3, "See what it weighs: the queue's estimate, the heap used, the process's RSS", { window: 'heavy', jq: JQ.memory }),
    post('consumer', '/admin/config', { processing_time_ms: 100 }, 'Speed the consumer back up to 100 ms per item'),
    post('producer', '/admin/clear-queue', undefined, 'Clear the queue', { name: 'cleared', read: (b) => b.items_removed }),
    watch(3, 'Watch the memory after the clear', { window: 'cleared', jq: JQ.memory }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.memory],
    terminal: 'the memory line: heap and RSS jump with the burst; after the clear the heap falls at once, RSS only part of the way.',
  },
  checks: [
    atLeast('items the clear-queue removed', BURST + 78, 'items', (r) => r.value('cleared'), {
      why: `${BURST.toLocaleString('en')} from the burst + (10 + 3) s × (10 − 4) items/s that piled up, and more while the burst itself was being made; clearing counts them as "cleared"`,
    }),
    about("… against the queue's size seen just before the clear", 0, 'items', (r) => r.value('cleared') - queued(r.window('heavy').last), {
      // the backlog grows 6 items/s while the speed-up request is made
      within: 30,
      why: 'a clear removes what is waiting, all of it',
    }),
    atLeast('heap used with the burst queued', 60, 'MB', (r) => heapMb(r.window('heavy').last), {
      why: `${BURST.toLocaleString('en')} × ~1,224 B ≈ 61 MB of items, on top of the ~15 MB the producer needs itself`,
    }),
    atMost('heap used after the clear', 30, 'MB', (r) => heapMb(r.window('cleared').last), {
      why: 'the producer asks V8 for a full garbage collection right after a clear: back to its own ~15 MB',
    }),
  ],
  question: 'The heap fell at once and RSS did not. Which of the two should a memory alert watch, and why?',
  intro:
    'Why RSS lags the heap: V8 takes memory from the system in pages and keeps some it no longer needs, expecting ' +
    'to grow again. After the clear, `heap_used_mb` falls at once (the producer runs a full garbage collection; ' +
    'without it V8 would keep the dead items until its heap next reached its limit, minutes away at 10 items/s). ' +
    'RSS falls in two steps: about half of what the burst added, at once, as V8 returns the pages that held ' +
    "the items; the rest 8–30 s later, when V8's memory reducer sees the process quiet and shrinks the " +
    'heap it had reserved (`npm run bench` measures both steps; see docs/performance.md). A memory ' +
    'graph of RSS alone would say clearing did little; the heap says what the program holds.',
  answer:
    'It depends on what the alert protects. The heap (`heap_used_mb`) says what the program holds: it is the number ' +
    'that tells a leak or a backlog from memory V8 merely keeps. RSS says what the machine gives the process: the ' +
    "container's memory limit and the kernel's OOM killer count RSS, not the heap. So alert on RSS against the " +
    'limit (that is what kills you) and read the heap to know why: high RSS with a low heap is memory V8 will give ' +
    'back; both high is work you are holding.',
} satisfies Exercise;
