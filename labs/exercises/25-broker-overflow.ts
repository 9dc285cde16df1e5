import { about, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { dropped, NEEDS_BROKER, queued, rejected } from './measures';

export default {
  id: '25-broker-overflow',
  title: 'reject-publish against drop-head: the broker enforces the limit',
  backend: {
    only: 'rabbitmq',
    why: "it shows RabbitMQ's own overflow behaviours (reject-publish, drop-head) applied by a policy",
  },
  goal:
    "On the broker a bounded queue is RabbitMQ's own max-length, set by a policy on the live queue. Send the same " +
    'burst of 50 into a queue of 20 twice: with reject-publish RabbitMQ refuses (nacks) what does not fit and the ' +
    'producer counts rejections; with drop-head it accepts everything and drops the oldest, which come back ' +
    'through the dead-letter queue and are counted as dropped.',
  intro: NEEDS_BROKER,
  steps: [
    post('producer', '/admin/config', { production_rate: 0 }, 'Stop the generator, so that only the bursts are counted'),
    post('consumer', '/admin/pause', undefined, 'Pause the consumer (it takes its prefetch of 2 and holds them)'),
    post('producer', '/produce', { count: 10 }, 'Give it those 2 first: 10 items, the queue still unlimited'),
    until('Wait until it holds them', (s) => s.consumer?.broker?.holding === 2, 10),
    post('producer', '/admin/clear-queue', undefined, 'Purge the 8 left in RabbitMQ'),
    watch(0.5, 'Note the counters', { window: 'start' }),
    post(
      'producer',
      '/admin/config',
      { queue_mode: 'bounded', max_queue_size: 20, overflow: 'reject' },
      'A queue of 20 that refuses what does not fit (reject-publish)',
    ),
    post('producer', '/produce', { count: 50 }, 'A burst of 50', { name: 'reject queued', read: (b) => b.queued }),
    watch(1, 'Look at the queue', { window: 'reject' }),
    post('producer', '/admin/clear-queue', undefined, 'Empty it again'),
    post('producer', '/admin/config', { overflow: 'drop_oldest' }, 'The same queue, dropping the oldest instead (drop-head)'),
    post('producer', '/produce', { count: 50 }, 'The same burst of 50', { name: 'drop queued', read: (b) => b.queued }),
    watch(2, 'Let the producer count the dropped heads (they come back through the dead-letter queue)', { window: 'drop' }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.rejectedDropped],
    terminal: 'the queue at 20 both times; rejected jumps by 30 the first time, dropped the second.',
  },
  checks: [
    // ±1: a consumer whose prefetch was just lowered re-subscribes, and a delivery to its old
    // subscription can still take one item out of the queue during the burst, freeing one place.
    about('confirmed with reject-publish', 20, 'items', (r) => r.value('reject queued'), {
      within: 1,
      why: "max-length 20: a classic queue's limit is exact",
    }),
    about(
      'refused (nacked) with reject-publish',
      30,
      'items',
      (r) => rejected(r.window('reject').last) - rejected(r.window('start').last),
      {
        within: 1,
        why: '50 − 20: the producer knows which ones',
      },
    ),
    exactly('in RabbitMQ after the reject burst', 20, 'items', (r) => queued(r.window('reject').last), { why: 'max_queue_size' }),
    exactly('confirmed with drop-head', 50, 'items', (r) => r.value('drop queued'), { why: 'drop-head accepts every publish' }),
    exactly('dropped heads, counted', 30, 'items', (r) => dropped(r.window('drop').last) - dropped(r.window('start').last), {
      why: 'the 30 oldest made room for newer ones',
    }),
    exactly('in RabbitMQ after the drop-head burst', 20, 'items', (r) => queued(r.window('drop').last), { why: 'the newest 20' }),
    exactly('refused with drop-head', 0, 'items', (r) => rejected(r.window('drop').last) - rejected(r.window('reject').last), {
      why: 'drop-head accepts every publish',
    }),
  ],
  question: 'Both kept 20 and lost 30. When is each the right choice?',
  answer:
    'reject-publish loses the newest items, and the publisher knows at once (a nack; an HTTP client gets a 429) and ' +
    'can slow down or retry: the choice for work that must not silently vanish, such as orders or jobs. drop-head ' +
    'loses items that were already accepted — their publishers were told "confirmed" — and only the dead-letter ' +
    'queue knows: the choice for data whose newest value matters most, such as sensor readings or prices, where ' +
    'an old item is worth less than a fresh one. Note also what max-length counts: ready messages only. The two ' +
    'items the paused consumer holds are not part of the 20.',
} satisfies Exercise;
