import { type Exercise, exactly, kill, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { BROKER_JQ, held, NEEDS_BROKER, processed, redeliveries } from './measures';

export default {
  id: '24-broker-consumer-crash',
  title: 'A consumer dies holding work: redelivered, none lost',
  backend: {
    only: 'rabbitmq',
    why: "it shows the broker delivering a dead consumer's unacknowledged items again; the in-memory dispatcher has no acknowledgements",
  },
  goal:
    'A consumer takes items from RabbitMQ and acks each one only once it is processed. Kill it while it holds ' +
    'five unacked items: RabbitMQ gives them to the next consumer, flagged as redelivered, and every item is ' +
    'processed — none lost, none silently skipped.',
  intro: NEEDS_BROKER,
  steps: [
    post('producer', '/admin/config', { production_rate: 0 }, 'Stop the generator, so that only the burst is counted'),
    post(
      'consumer',
      '/admin/config',
      { processing_time_ms: 200, max_concurrency: 5 },
      'A consumer that takes 5 at a time (prefetch 5), 200 ms each',
    ),
    watch(0.5, 'Note how many the consumer has processed so far', { window: 'start' }),
    post('producer', '/produce', { count: 100 }, 'Queue 100 items'),
    watch(2, 'Let it work for a while', { window: 'working', jq: BROKER_JQ }),
    post('consumer', '/admin/pause', undefined, 'Pause it: what it started finishes; the next 5 it was given wait, unacked'),
    watch(1, 'It holds 5 unacked items', { window: 'held' }),
    kill('consumer', 'Kill the consumer with SIGKILL while it holds them'),
    until('Wait for the crash to show', (s) => s.consumer === undefined, 10),
    until('Wait for `npm start` to restart it (1 s) and for it to reconnect', (s) => s.consumer?.broker?.connected === true, 30),
    until('Wait until every item is processed', (s) => s.producer?.queue.size === 0 && s.consumer?.broker?.holding === 0, 120, {
      window: 'drain',
      jq: BROKER_JQ,
    }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.throughput, PANELS.totals],
    terminal: 'the consumer turns red (DOWN) and comes back; the queue drains to 0.',
  },
  checks: [
    exactly('unacked items the consumer held when killed', 5, 'items', (r) => held(r.window('held').last), {
      why: 'its prefetch: max_concurrency',
    }),
    exactly('items redelivered to the restarted consumer', 5, 'items', (r) => redeliveries(r.window('drain').last), {
      why: "an unacked item goes back to the queue when its consumer's connection dies",
    }),
    exactly(
      'items lost',
      0,
      'items',
      (r) => 100 - (processed(r.window('held').last) - processed(r.window('start').last)) - processed(r.window('drain').last),
      {
        why: '100 − processed before the kill − processed by the restarted consumer',
      },
    ),
  ],
  question: 'Nothing was lost. Could an item be processed twice, and what would you do about it?',
  answer:
    'Yes. Here the consumer was paused, so the five it held had not started. Had it been killed after processing ' +
    'an item but before its ack reached RabbitMQ, that item would be redelivered and processed again: acking after ' +
    'processing gives at-least-once delivery, never exactly-once. Real consumers make processing idempotent (a ' +
    'unique id checked before acting, an upsert instead of an insert) or record what they did in the same ' +
    'transaction as the result. Acking before processing would give at-most-once instead: no duplicates, but a ' +
    'crash then loses the item.',
  docker: 'In the Docker stack: `docker kill -s KILL lab18-consumer`.',
} satisfies Exercise;
