import { about, atMost, type Exercise, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { expired, NEEDS_BROKER, queued } from './measures';

export default {
  id: '26-broker-ttl',
  title: 'An age deadline: every wait stays short',
  backend: {
    only: 'rabbitmq',
    why: "it shows RabbitMQ's message TTL dead-lettering expired items through the dead-letter queue",
  },
  goal:
    'A limit on items bounds memory; a limit on age bounds latency. With the consumer slowed to 4 items/s against ' +
    "10 made, give every item at most 2 s in RabbitMQ (max_item_age_ms, the policy's message-ttl): older items are " +
    'dead-lettered and counted as expired, the queue settles at about 2 s worth of items, and no processed item ' +
    'waited much longer than 2 s.',
  intro: NEEDS_BROKER,
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5× (as in exercise 2): 4 items/s'),
    post('producer', '/admin/config', { max_item_age_ms: 2000 }, 'Let no item wait more than 2 s in RabbitMQ'),
    watch(6, 'Let it settle'),
    watch(20, 'Watch the queue and the expired count', { window: 'ttl', jq: '{ready: .backend.ready, expired: .accounting.expired}' }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.queueWait, PANELS.rejectedDropped],
    terminal: 'the queue bar holding at about 20; the totals line counting expired items.',
  },
  checks: [
    about('items expired', 6, 'items/s', (r) => r.window('ttl').rate(expired), { why: '10 made − 4 processed' }),
    atMost('largest queue', 24, 'items', (r) => r.window('ttl').max(queued), {
      why: '10 items/s × 2 s, and RabbitMQ removes expired heads a little late',
    }),
    atMost('p95 queue wait', 2.5, 's', (r) => r.window('ttl').quantile('queueWait', 0.95), {
      why: "at most 2 s in RabbitMQ, plus the publish; the histogram's bucket ends at 2.5 s",
    }),
  ],
  question: 'Every wait is short now, and 60% of the items expire. Is that better than a bounded queue of 20?',
  answer:
    'Both lose the same share — the consumer takes 4 of 10 whatever you do — but they promise different things. A ' +
    'bounded queue promises a size, and the wait follows from the drain rate: 20 items at 4/s is 5 s, and it ' +
    'stretches whenever the consumer slows further. An age limit promises the wait itself, whatever the drain rate, ' +
    'and the size follows. For work whose value decays — a request the caller gave up on after 2 s, a price — the ' +
    'age deadline throws away exactly what is no longer worth doing; it also means the loss is discovered late, ' +
    'after each item sat in the queue for its full 2 s.',
} satisfies Exercise;
