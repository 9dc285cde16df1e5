import { about, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { dropped, oldestAge, rejected } from './measures';

const JQ_FRESHNESS =
  '{size: .queue.size, oldest_s: .backend.oldest_item_age_seconds, dropped: .accounting.dropped, rejected: .accounting.rejected}';

export default {
  id: '13-drop-oldest',
  title: 'Strategy: drop the oldest (freshest data wins)',
  goal:
    'A bounded queue can make room in two ways when it is full: refuse the new item (reject) or evict the oldest ' +
    'one (drop_oldest). Both lose 6 items/s here; what differs is which items survive — and how old the data the ' +
    'consumer sees is.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 4 items/s'),
    post(
      'producer',
      '/admin/config',
      { queue_mode: 'bounded', max_queue_size: 20, overflow: 'drop_oldest' },
      'A bounded queue of 20 that evicts its oldest item when full',
    ),
    until('Wait until the queue is full', (s) => (s.producer?.queue.size ?? 0) >= 20, 30),
    watch(3, 'Let the queue turn over once'),
    watch(20, 'Watch: the queue stays full of fresh items', { window: 'drop', jq: JQ_FRESHNESS }),
    post('producer', '/admin/config', { overflow: 'reject' }, 'Now refuse new items instead'),
    watch(6, 'Let the queue turn over once'),
    watch(20, 'Compare', { window: 'reject', jq: JQ_FRESHNESS }),
  ],
  watch: {
    panels: [PANELS.rejectedDropped, PANELS.queueDepth, PANELS.queueWait],
    terminal: 'dropped 6/s and rejected 0 with drop_oldest; the other way round with reject.',
  },
  checks: [
    about('items evicted with drop_oldest', 6, 'items/s', (r) => r.window('drop').rate(dropped), { why: '10 made − 4 processed' }),
    exactly('rejections with drop_oldest', 0, 'items', (r) => r.window('drop').change(rejected)),
    about('age of the oldest item, drop_oldest', 2, 's', (r) => r.window('drop').mean(oldestAge), {
      tolerance: 0.25,
      why: '20 places ÷ 10 items/s leaving the head (4 sent + 6 evicted)',
    }),
    about('rejections with reject', 6, 'items/s', (r) => r.window('reject').rate(rejected)),
    about('age of the oldest item, reject', 5, 's', (r) => r.window('reject').mean(oldestAge), {
      why: '20 places ÷ 4 items/s sent',
    }),
  ],
  question: 'Both modes lose 6 items a second. When is drop_oldest the right choice, and when is it dangerous?',
  answer:
    'Right when a newer item makes an older one worthless: sensor readings, prices, positions, dashboards — the ' +
    'consumer sees data at most 2 s old instead of 5 s. Dangerous when every item is a separate piece of work (an ' +
    'order, a payment): drop_oldest throws away items that were already accepted, whose senders believe they will ' +
    'be processed and are never told otherwise. Reject loses the newest items, but each sender learns it at once ' +
    '(a 429) and can retry.',
} satisfies Exercise;
