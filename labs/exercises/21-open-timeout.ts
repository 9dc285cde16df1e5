import { about, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import type { Up } from '../src/recording';
import { blockedSeconds, JQ, produced, rejected, waitingCallers } from './measures';

const timeoutRefusals = (s: Up) => s.producer.accounting.rejected_by_reason.timeout ?? 0;

export default {
  id: '21-open-timeout',
  title: 'Open arrivals: a bounded wait (timeout)',
  goal:
    'The same slowed consumer and full queue of 20, with timeout instead of block: a caller waits at most ' +
    'enqueue_timeout_ms (1 s) for room, then gets a refusal. With closed arrivals that changes nothing — the one ' +
    'producer never waits a whole second, so nobody is refused. With open arrivals 6 callers a second are refused, ' +
    'each after exactly the 1 s it was willing to wait, and the pile of waiting callers stops growing at about 10.',
  intro:
    'See exercise 20 for `arrivals`. Exercise 12 showed the timeout with twenty clients arriving at once; here they ' +
    'arrive steadily, 10 a second.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 4 items/s'),
    post(
      'producer',
      '/admin/config',
      { queue_mode: 'timeout', max_queue_size: 20, enqueue_timeout_ms: 1000 },
      'Timeout: 20 places, wait at most 1 s; arrivals are closed (the default)',
    ),
    until('Wait until the queue is full', (s) => (s.producer?.queue.size ?? 0) >= 20, 30),
    watch(15, 'Closed arrivals: does anyone time out?', { window: 'closed', jq: JQ.callers }),
    post('producer', '/admin/config', { arrivals: 'open' }, 'Open arrivals: 10 callers a second'),
    watch(3, 'The first callers reach their timeout'),
    watch(15, 'Open arrivals: refusals after the timeout', { window: 'open', jq: JQ.callers }),
  ],
  watch: {
    panels: [PANELS.waitingCallers, PANELS.rejectedDropped, PANELS.blockedTime],
    terminal: 'rejected stays 0 while closed; with open arrivals it grows 6 a second and about 10 callers wait.',
  },
  checks: [
    exactly('refusals, closed', 0, 'items', (r) => r.window('closed').change(rejected), {
      why: 'room frees every 0.25 s, sooner than the 1-s timeout',
    }),
    about('items admitted, closed', 4, 'items/s', (r) => r.window('closed').rate(produced), { tolerance: 0.15 }),
    about('refusals, open (reason "timeout")', 6, 'items/s', (r) => r.window('open').rate(timeoutRefusals), {
      tolerance: 0.15,
      why: '10 arrive − 4 get in, every second',
    }),
    about('callers waiting, open', 10, 'callers', (r) => r.window('open').mean(waitingCallers), {
      tolerance: 0.2,
      why: "Little's law: 10 arrivals/s × 1 s each",
    }),
    about(
      'how long each caller waited, open',
      1,
      's',
      (r) => {
        const w = r.window('open');
        return w.change(blockedSeconds) / w.change(produced);
      },
      {
        tolerance: 0.15,
        why: 'a refused caller waited exactly enqueue_timeout_ms; one let in was at the head of the line, just as old',
      },
    ),
  ],
  question: 'Compared with exercise 20, what did the timeout buy, and what did it cost?',
  answer:
    'It bounded everything that grew there: at most 10 callers (arrival rate × timeout) wait, holding a fixed ' +
    'amount of memory, and no caller waits longer than 1 s. The cost is loss and wasted time: 6 callers a second are ' +
    'refused, and each of them first spent its whole second waiting for nothing — in all, 6 connection-seconds ' +
    'every second. An immediate 429 (exercise 16) refuses the same 6 a second in milliseconds. A timeout pays off ' +
    'only when overload is short, a burst that drains within the timeout; against sustained overload it is a slow ' +
    'way of saying no. And the closed half shows why a closed load test would have missed all of it: one caller ' +
    'that waits is never refused.',
} satisfies Exercise;
