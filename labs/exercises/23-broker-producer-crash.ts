import { atLeast, atMost, type Exercise, exactly, kill, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { BROKER_JQ, NEEDS_BROKER, processed, published, queued } from './measures';

export default {
  id: '23-broker-producer-crash',
  title: 'The crash again, on a broker: nothing lost',
  backend: {
    only: 'rabbitmq',
    why: 'it shows queued items outliving a producer crash, which only a queue outside the producer can do',
  },
  goal:
    'Exercise 3 lost every queued item with the producer. Here the queue lives in RabbitMQ: queue 10,000 items, ' +
    'SIGKILL the producer, and after `npm start` restarts it the 10,000 are still there — and all get processed.',
  intro: NEEDS_BROKER,
  steps: [
    post('producer', '/admin/config', { production_rate: 0 }, 'Stop the generator, so that only the burst is counted'),
    post('consumer', '/admin/pause', undefined, 'Pause the consumer, so that the items stay queued (it holds its prefetch of 2)'),
    watch(0.5, 'Note the counters', { window: 'start' }),
    post('producer', '/produce', { count: 10000 }, 'Queue 10,000 items in one burst: each one counts once RabbitMQ has confirmed it'),
    until('Wait until RabbitMQ holds them', (s) => (s.producer?.queue.size ?? 0) >= 9998, 30, { window: 'before', jq: BROKER_JQ }),
    kill('producer', 'Kill the producer with SIGKILL, as an out-of-memory crash would'),
    until('Wait for the crash to show', (s) => s.producer === undefined, 10),
    until(
      'Wait for `npm start` to restart it (1 s) and for it to reconnect',
      (s) => s.producer?.backend.connection?.connected === true,
      30,
    ),
    post('producer', '/admin/config', { production_rate: 0 }, 'The new process starts with the defaults: stop its generator too'),
    watch(2, 'Look at the queue after the restart', { window: 'after', jq: BROKER_JQ }),
    post(
      'consumer',
      '/admin/config',
      { paused: false, processing_time_ms: 1, max_concurrency: 50 },
      'Resume the consumer, fast: 1 ms per item, 50 at a time',
    ),
    until('Wait until it has processed everything', (s) => s.producer?.queue.size === 0 && s.consumer?.broker?.holding === 0, 120, {
      window: 'drain',
      jq: BROKER_JQ,
    }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.throughput, PANELS.totals],
    terminal: 'the producer turns red (DOWN) and comes back; the queue stays at 9,998 instead of dropping to 0.',
  },
  checks: [
    exactly(
      'items published (confirmed) before the crash',
      10000,
      'items',
      (r) => published(r.window('before').last) - published(r.window('start').last),
      {
        why: 'each counted once RabbitMQ confirmed it',
      },
    ),
    atLeast('items in RabbitMQ right after the restart', 9998, 'items', (r) => queued(r.window('after').last), {
      why: '10,000 − at most the 2 the paused consumer holds unacked (its prefetch)',
    }),
    // At most 0: one fewer happens when the new producer's last publish was confirmed after its
    // count was read — one more processed than counted, never one missing.
    atMost(
      'items lost',
      0,
      'items',
      (r) => 10000 + published(r.window('drain').last) - (processed(r.window('drain').last) - processed(r.window('after').last)),
      {
        why: '10,000 (+ any the new producer made before its generator stopped) − processed after the restart',
      },
    ),
  ],
  question: 'Exercise 3 lost everything and this lost nothing. What did the broker cost, and what would still lose items?',
  answer:
    'Every item now crosses the network twice and waits for RabbitMQ to write it to disk before it counts: a few ' +
    'milliseconds per publish, which is why the producer keeps many publishes outstanding to reach thousands per ' +
    'second. The broker is one more process to run and to size — its own memory and disk alarms push back on ' +
    'publishers when it fills up. Items are still lost where nothing confirmed them: those the producer had made ' +
    'but not yet published (here none: the burst was confirmed before the kill), and everything if RabbitMQ itself ' +
    'loses its disk. Durable queue + persistent messages + confirms move the risk; they do not remove it.',
  docker:
    'In the Docker stack kill the container instead: `docker kill -s KILL lab18-producer`; `restart: unless-stopped` ' + 'brings it back.',
} satisfies Exercise;
