import { atLeast, atMost, type Exercise, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import type { Recording } from '../src/recording';
import { dropped, GOODPUT_JQ, processed, processedInDeadline, produced, queued } from './measures';

/** Of the items processed in a window, the share finished within their deadline, in %. */
const goodShare = (r: Recording, window: string) =>
  (100 * r.window(window).change(processedInDeadline)) / Math.max(1, r.window(window).change(processed));

export default {
  id: '39-goodput-disciplines',
  backend: {
    only: 'memory',
    why: "it compares the orders in which the producer's queue hands out items (FIFO, adaptive LIFO, CoDel); RabbitMQ delivers oldest first (per priority) and the broker refuses queue_discipline with a 400",
  },
  title: 'Advanced: goodput under 2× overload — FIFO, adaptive LIFO, CoDel',
  goal:
    'Twice as many items arrive as the consumer can take, and each is worth something for 1 s only (max_item_age_ms: ' +
    'its deadline). The consumer stays busy at its full 20 items/s whatever the queue does — throughput looks fine. ' +
    'With FIFO almost none of that work is useful: every item served has waited almost its whole second, so it ' +
    'finishes after its deadline (goodput ≈ 0). Serving the newest first under overload (adaptive LIFO), or dropping ' +
    'from the head while the queue delay stays above a target (CoDel), keeps goodput near the full 20/s with the same ' +
    'consumer, the same load and the same deadline.',
  intro:
    'Goodput is the work that still mattered when it was done: `backpressure_items_goodput_total` beside ' +
    "`backpressure_items_processed_total`, and the consumer's /status `goodput`. The producer drops an item past its " +
    'deadline before sending it, and the consumer before processing it (both count it as expired), but an item taken ' +
    'just before its deadline is still processed — and finishes just after it. `queue_discipline` chooses which ' +
    'waiting item goes next: `fifo` (the default), `adaptive_lifo` (newest first while more than `lifo_queue_threshold` ' +
    'wait or the oldest waited over `lifo_age_ms`), `codel` (`codel_target_ms`, `codel_interval_ms`). See docs/goodput.md.',
  steps: [
    post(
      'producer',
      '/admin/config',
      { production_rate: 40, max_item_age_ms: 1000, queue_discipline: 'fifo' },
      'Make 40 items a second, each with a 1 s deadline, against a consumer that takes 20: 2× overload, FIFO',
    ),
    watch(8, 'Let the queue reach the deadline'),
    watch(15, 'FIFO: throughput and goodput', { window: 'fifo', jq: GOODPUT_JQ }),
    post('producer', '/admin/config', { queue_discipline: 'adaptive_lifo' }, 'Adaptive LIFO: newest first while the queue is long'),
    watch(3, 'The switch'),
    watch(15, 'Adaptive LIFO: throughput and goodput', { window: 'lifo', jq: GOODPUT_JQ }),
    post(
      'producer',
      '/admin/config',
      { queue_discipline: 'codel' },
      'CoDel: oldest first, dropping from the head while the delay stays above 5 ms',
    ),
    watch(3, 'The switch'),
    watch(15, 'CoDel: throughput and goodput', { window: 'codel', jq: GOODPUT_JQ }),
  ],
  watch: {
    panels: [PANELS.goodput, PANELS.throughput, PANELS.rejectedDropped, PANELS.queueWait],
    terminal: 'processed grows 20/s throughout; with FIFO the consumer goodput stays flat, with LIFO and CoDel it grows with processed.',
  },
  checks: [
    atLeast('FIFO: fewest items waiting', 5, 'items', (r) => r.window('fifo').min(queued), {
      why: 'the queue never empties, so the consumer never waits for work: it processes all it can (20/s on an idle machine)',
    }),
    atMost('FIFO: share of the processed within their deadline', 20, '%', (r) => goodShare(r, 'fifo'), {
      why: 'each waited ~1 s (the items older expired at the head) and took 0.1 s more; only one taken in its first 0.9 s is in time (2–10% in the test runs)',
    }),
    atLeast('adaptive LIFO: fewest items waiting', 5, 'items', (r) => r.window('lifo').min(queued), {
      why: 'the same consumer kept as busy',
    }),
    atLeast('adaptive LIFO: share within their deadline', 90, '%', (r) => goodShare(r, 'lifo'), {
      why: 'the newest item has hardly waited; the old ones expire at the head unsent',
    }),
    atLeast('CoDel: share within their deadline', 90, '%', (r) => goodShare(r, 'codel'), {
      why: 'the head is dropped until the queue delay stays near its 5 ms target',
    }),
    atLeast(
      'CoDel: share of the items made it dropped',
      25,
      '%',
      (r) => {
        const w = r.window('codel');
        return (100 * w.change(dropped)) / Math.max(1, w.change(produced));
      },
      { why: 'half of what arrives is more than the consumer can take; CoDel drops it at the head instead of letting it wait' },
    ),
  ],
  question: 'Why does FIFO, the fairest order, do worst here, and what do LIFO and CoDel give up?',
  answer:
    'Under sustained overload a FIFO queue only grows until something removes items — here the deadline — so every ' +
    'item served is one that waited as long as the queue allows: exactly too long. Throughput at capacity hides it. ' +
    'Adaptive LIFO gives up fairness: the items at the head wait until they expire, so under overload some callers ' +
    'always lose (but those that win, win in time), and when the queue is short it is FIFO again. CoDel gives up ' +
    'items on purpose — it drops at the head, counted as dropped (reason codel) — and keeps the queue short, which ' +
    'also keeps memory low. Facebook runs both on its RPC queues ("Fail at Scale", 2015).',
} satisfies Exercise;
