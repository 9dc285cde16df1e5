import { about, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { JQ, oldestAge, produced, queued, rejected, waitingCallers, waitingCallersMb } from './measures';

export default {
  id: '20-open-block',
  title: 'Open arrivals: blocking an API does not remove the backlog (seed 000)',
  goal:
    'Exercise 11 blocked one producer, and it slowed down. Callers of an API cannot be slowed down: they keep ' +
    'arriving whatever happens to the earlier ones. Switch the same blocked queue from closed to open arrivals and ' +
    'the backlog moves out of the queue, which stays at its bound of 20, into callers that wait — 6 more every ' +
    'second, each holding its request in memory. That is seed 000\'s "Problem 1": handlers block waiting to send, ' +
    'connections stay open, memory grows.',
  intro:
    '`arrivals` says who makes the items. `closed` (the default) is one caller that waits: when admission holds it ' +
    'back it makes fewer items — a batch job, a load tester that waits for each answer. `open` is a stream of ' +
    'independent callers arriving at `production_rate`, each with its own wait — the users of a public API. Here ' +
    'each item carries 100 KB (`payload_bytes`), like a request body.\n\n' +
    "**Measuring latency: coordinated omission.** The consumer measures each item's queue wait from the item's " +
    'creation (`backpressure_queue_wait_seconds`, the Queue Wait panel). A closed producer creates an item only when ' +
    'the previous one got in, so the time its callers *would* have waited is never measured: the producer ' +
    '"coordinates" with the system it measures and omits the worst of it (Gil Tene\'s name for it; closed-loop load ' +
    'testers do the same). An open arrival is created at its intended arrival time, so its wait counts all of it. ' +
    "The queue itself cannot tell the two apart: measured from enqueue (the oldest item's age) it is 5 s either way. " +
    "The mean wait over a stretch of time is the change of the histogram's `_sum` divided by the change of its " +
    "`_count`: `curl -s http://localhost:8001/metrics | grep -E '^backpressure_queue_wait_seconds_(sum|count)'` at " +
    'its start and at its end.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 4 items/s'),
    post(
      'producer',
      '/admin/config',
      { queue_mode: 'block', max_queue_size: 20, payload_bytes: 102400 },
      'Block with 20 places, 100 KB per item; arrivals are closed (the default)',
    ),
    until('Wait until the queue is full', (s) => (s.producer?.queue.size ?? 0) >= 20, 30),
    watch(6, 'Let every item in the queue be one that waited for a full queue'),
    watch(15, 'Closed arrivals: the producer slows down', { window: 'closed', jq: JQ.callers }),
    post('producer', '/admin/config', { arrivals: 'open' }, 'Open arrivals: 10 callers a second, whatever happens to them'),
    watch(6, 'The items queued before the switch leave'),
    watch(20, 'Open arrivals: watch the callers pile up', { window: 'open', jq: JQ.callers }),
  ],
  watch: {
    panels: [PANELS.waitingCallers, PANELS.queueDepth, PANELS.queueWait, PANELS.memory],
    terminal:
      'the queue stays at 20 throughout; with open arrivals the mode line counts the waiting callers (6 more a ' +
      'second) and their megabytes, and the p95 queue wait climbs.',
  },
  checks: [
    about('items admitted, closed', 4, 'items/s', (r) => r.window('closed').rate(produced), {
      tolerance: 0.15,
      why: 'one enters when one leaves',
    }),
    atMost('callers waiting, closed', 1, 'callers', (r) => r.window('closed').max(waitingCallers), {
      why: 'the generator is the only caller',
    }),
    about('mean queue wait from creation, closed', 5.2, 's', (r) => r.window('closed').meanOf('queueWait'), {
      tolerance: 0.15,
      why: '20 places ÷ 4/s = 5 s in the queue, after about 0.15 s blocked',
    }),
    about('items admitted, open', 4, 'items/s', (r) => r.window('open').rate(produced), {
      tolerance: 0.15,
      why: 'the consumer sets the pace either way',
    }),
    exactly('rejections, open', 0, 'items', (r) => r.window('open').change(rejected), { why: 'block never refuses' }),
    atMost('largest queue, open', 20, 'items', (r) => r.window('open').max(queued), { why: 'max_queue_size' }),
    about('growth of the waiting callers', 6, 'callers/s', (r) => r.window('open').rate(waitingCallers), {
      tolerance: 0.15,
      why: '10 arrive − 4 get in, every second',
    }),
    about('growth of the memory they hold', 0.6, 'MB/s', (r) => r.window('open').rate(waitingCallersMb), {
      tolerance: 0.15,
      why: '6 callers/s × (100 KB + about 2 KB each)',
    }),
    about('oldest queued item, measured from enqueue, open', 5, 's', (r) => r.window('open').mean(oldestAge), {
      why: 'the queue looks exactly as it did: 20 places ÷ 4/s',
    }),
    about('mean queue wait from the intended arrival, open', 11.7, 's', (r) => r.window('open').meanOf('queueWait'), {
      why: 'see the answer: it grows 0.6 s every second, from 5.7 s to 17.7 s over the window',
    }),
  ],
  question:
    'The queue, its limit and its drain rate are the same in both halves. Why does the mean wait go from 5.2 s to ' +
    'nearly 12 s and keep growing — and what would you rather tell the callers?',
  answer:
    'Callers arrive at 10/s and get in at 4/s, in order; the 6 a second that do not get in wait in front of the queue. ' +
    "The 21 items ahead of them at the switch (20 queued, the generator's last one waiting) take 5.25 s. After that " +
    'the item that starts processing t seconds after the switch is open caller number 4 × (t − 5.25), who arrived ' +
    'at 0.4 × (t − 5.25): it waited 0.6 t + 2.1 s — 5.7 s at the start of the window (t = 6), 17.7 s at its end ' +
    "(t = 26), 11.7 s on average. The same 0.6 as exercise 7, now in front of the queue. Nothing bounds it but the callers' " +
    "patience and the server's memory: every waiting caller is an open connection and its request (here " +
    '100 KB), so a real server ends in out-of-memory (exercise 3) or out of file descriptors. This lab refuses new ' +
    'callers (reason `memory`) once the waiting ones hold a quarter of its memory limit, so the lab itself survives. ' +
    'That is why APIs answer 429 at once (exercise 16) instead of holding connections: the caller learns in ' +
    'milliseconds, keeps nothing open, and can retry later or elsewhere — or, as a middle way, a bounded wait ' +
    '(exercise 21). The closed half never showed any of this: a closed producer measures its own pace, not its ' +
    "callers' wait.",
} satisfies Exercise;
