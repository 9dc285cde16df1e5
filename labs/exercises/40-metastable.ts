import { about, atLeast, atMost, type Exercise, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import type { Recording } from '../src/recording';
import { callerAttempts, callersStarted, callersSucceeded, queued } from './measures';

const JQ_CALLERS = '{size: .queue.size, callers: .callers, discipline: .backend.discipline.name}';
/** Tries per caller that arrived in a window. */
const triesPerCaller = (r: Recording, window: string) =>
  r.window(window).change(callerAttempts) / Math.max(1, r.window(window).change(callersStarted));

export default {
  id: '40-metastable',
  backend: {
    only: 'memory',
    why: 'its callers give up after client_timeout_ms and retry, which needs the producer to hear when each item is done; on the broker the consumers take items themselves and the broker refuses client_timeout_ms with a 400',
  },
  title: 'Advanced: a metastable failure — the trigger ends, the overload stays',
  goal:
    '10 callers a second reach a consumer that takes 20: half busy, every caller answered at once. Each caller gives up ' +
    'after 2 s and tries again (3 times), as real clients do. Slow the consumer down for just 10 s, then give it its ' +
    'speed back: the system does not come back. The queue the slowdown left makes every caller time out, every ' +
    'timeout adds a retry, and the retries keep the consumer busier than it can be — with items whose callers have ' +
    'long gone. It stays down for as long as the exercise watches (30 s). Shedding brings it back: give items the ' +
    "callers' deadline and serve the newest first (adaptive LIFO), and within seconds callers are answered again.",
  intro:
    'Bronson et al., "Metastable Failures in Distributed Systems" (HotOS 2021): a stable bad state sustained by the ' +
    "system's own reaction (here: retries) after the trigger is gone. `client_timeout_ms` and `client_retries` " +
    "make open arrivals' callers time out and retry (GET /status `callers`); `max_item_age_ms` makes the producer drop " +
    "an item that outlived the caller's patience before sending it. Why not a retry budget here? These retries are " +
    "the callers', outside the producer: `retry_budget_ratio` budgets the producer's own retries to the consumer " +
    '(exercise 41). Deadlines alone are not enough either: under FIFO the item served is always the one that waited ' +
    'as long as the deadline allows — it finishes just too late, and its caller retries anyway.',
  steps: [
    post(
      'producer',
      '/admin/config',
      { arrivals: 'open', production_rate: 10, client_timeout_ms: 2000, client_retries: 3 },
      'Open arrivals: 10 callers a second, each giving up after 2 s and trying again up to 3 times',
    ),
    watch(10, 'Before: every caller answered on its first try', { window: 'before', jq: JQ_CALLERS }),
    post('consumer', '/admin/slow-down', { factor: 4 }, 'The trigger: the consumer 4× slower (5 items/s)…'),
    watch(10, '…for 10 s'),
    post('consumer', '/admin/speed-up', { factor: 4 }, 'The trigger ends: the consumer back at 20 items/s'),
    watch(5, 'The consumer is fast again'),
    watch(30, 'After the trigger: still down?', { window: 'stuck', jq: JQ_CALLERS }),
    post(
      'producer',
      '/admin/config',
      { max_item_age_ms: 2000, queue_discipline: 'adaptive_lifo' },
      "Shed: items carry the callers' 2 s deadline, and the newest is served first",
    ),
    watch(10, 'Recovering'),
    watch(15, 'After shedding', { window: 'recovered', jq: JQ_CALLERS }),
  ],
  watch: {
    panels: [PANELS.goodput, PANELS.throughput, PANELS.queueDepth, PANELS.queueWait],
    terminal:
      'before: the queue near 0; after the trigger it grows without end although the consumer is fast again; after shedding it falls to a few items.',
  },
  checks: [
    about('before: callers answered', 10, 'callers/s', (r) => r.window('before').rate(callersSucceeded), { tolerance: 0.15 }),
    about('before: tries per caller', 1, '', (r) => triesPerCaller(r, 'before'), { within: 0.1 }),
    atMost('after the trigger: callers answered', 1.4, 'callers/s', (r) => r.window('stuck').rate(callersSucceeded), {
      why: 'every item served waited longer than 2 s: its caller had already gone',
    }),
    atLeast('after the trigger: tries per caller', 3, '', (r) => triesPerCaller(r, 'stuck'), {
      why: 'each caller times out and tries again, up to 4 tries: 40 items/s offered to a consumer that takes 20',
    }),
    atLeast('after the trigger: the queue grew', 200, 'items', (r) => r.window('stuck').change(queued), {
      why: '(10 × ~4 − 20) items/s for 30 s, minus what the callers had not yet retried',
    }),
    about('after shedding: callers answered', 10, 'callers/s', (r) => r.window('recovered').rate(callersSucceeded), {
      tolerance: 0.25,
      why: 'the newest item is served within its deadline; the old ones expire unsent',
    }),
    atMost('after shedding: queue', 40, 'items', (r) => r.window('recovered').last.producer.queue.size, {
      why: 'nothing older than 2 s stays: at most 2 s of arrivals',
    }),
  ],
  question: 'The trigger lasted 10 s. Why did a consumer that is fast again not fix it, and what would you change first in a real system?',
  answer:
    "Because the load was no longer the callers' 10/s: every caller that timed out sent its request again, so the " +
    'consumer faced up to four times the load, most of it for callers who had already given up. The queue left by ' +
    'the slowdown made every wait longer than the timeout, and that is self-sustaining. What breaks the loop is ' +
    'making sure the work done is work someone still waits for: propagate deadlines (gRPC does), serve newest first or ' +
    'use CoDel under overload, bound the queue, and cap retries on the client side (a retry budget, jittered ' +
    'exponential backoff). Restarting the consumer would not have helped; clearing the queue would, for a while.',
} satisfies Exercise;
