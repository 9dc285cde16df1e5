import { about, atLeast, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import type { Up } from '../src/recording';

const sent = (s: Up) => ('sent' in s.producer.accounting ? s.producer.accounting.sent : NaN); // in-memory queue only
const timesOpened = (s: Up) => s.producer.backend.breaker?.times_opened ?? NaN;
const windowFailureRate = (s: Up) => s.producer.backend.breaker?.window_failure_rate ?? NaN;
const JQ_BREAKER =
  '{size: .queue.size, sent: .accounting.sent, breaker: .backend.breaker | {state, times_opened, consecutive_failures, window_failure_rate}}';

export default {
  id: '22-breaker-failure-rate',
  title: 'Advanced: a circuit breaker at a 50% failure rate — streaks or rates',
  backend: {
    only: 'memory',
    why: 'the failure-rate breaker belongs to the dispatcher that sends each item; on the broker the consumers pull and nothing is sent',
  },
  goal:
    'The consumer fails every other request at random. The default breaker opens after 5 failures in a row — and at ' +
    'this rate such a streak comes every second or two, so it opens again and again and the producer delivers a ' +
    'fraction of what it makes. A breaker that looks at the failure rate over a window, the way opossum and ' +
    'resilience4j decide, tells "mostly failing" from "an unlucky streak": it stays closed, and retries get the items ' +
    'through. Its price shows when the consumer really dies: it opens only once its window has seen enough failures.',
  intro:
    'The breaker settings are one family: `breaker_mode` `consecutive` (the default: `breaker_failure_threshold` ' +
    'failures in a row) or `failure_rate` (the share of failed sends over the last `breaker_window_ms`, 10 s, reaches ' +
    '`breaker_failure_rate`, once at least `breaker_minimum_requests`, 20, were made); `breaker_reset_ms` (2 s) is how ' +
    'long it stays open either way. A breaker that closes starts its window afresh, which is why this exercise asks ' +
    'for 50 sends first: with the default 20, 15 failures in the first 20 sends — 2% likely at a 50% failure rate — ' +
    'would open it by chance. Every failed item goes back to the queue and is retried; after `max_attempts` (5) ' +
    'failures it is dead-lettered, so at 50% about 1 item in 32 is given up.',
  steps: [
    post('consumer', '/admin/config', { failure_rate: 0.5, processing_time_ms: 5 }, 'The consumer fails half of its requests (5 ms each)'),
    post('producer', '/admin/config', { production_rate: 20 }, 'Make 20 items a second'),
    watch(3, 'Let the breaker meet the failures'),
    watch(20, 'Failures in a row: watch the breaker flap', { window: 'streaks', jq: JQ_BREAKER }),
    post(
      'producer',
      '/admin/config',
      { breaker_mode: 'failure_rate', breaker_failure_rate: 0.75, breaker_minimum_requests: 50 },
      'Judge by the failure rate instead: open when 3 sends in 4 fail over the last 10 s, once 50 were made',
    ),
    until(
      'Wait for a breaker that was open to close (its probe succeeds half the time)',
      (s) => s.producer?.backend.breaker?.state === 'closed',
      30,
    ),
    watch(15, 'Failure rate: the breaker stays closed', { window: 'rate', jq: JQ_BREAKER }),
    post('consumer', '/admin/config', { failure_rate: 1 }, 'Now the consumer fails every request'),
    until('Wait for the breaker to open', (s) => s.producer?.backend.breaker?.state === 'open', 30, { window: 'dead', jq: JQ_BREAKER }),
  ],
  watch: {
    panels: [PANELS.breaker, PANELS.throughput, PANELS.retries, PANELS.queueDepth],
    terminal: 'the breaker turns red every second or two and sent lags produced; with failure_rate it stays green and sent catches up.',
  },
  checks: [
    atLeast('times the breaker opened, failures in a row', 3, '', (r) => r.window('streaks').change(timesOpened), {
      why: 'a streak of 5 at 50% comes every 32 sends or so',
    }),
    atMost('items sent, failures in a row', 15, 'items/s', (r) => r.window('streaks').rate(sent), {
      why: 'open 2 s at a time, again and again: about 4/s get through against 20 made, 3–14/s as the streaks fall',
    }),
    exactly('times the breaker opened, failure rate', 0, '', (r) => r.window('rate').change(timesOpened), {
      why: 'about 50% of sends fail, below the 75% it takes',
    }),
    about('failure rate the breaker sees', 0.5, '', (r) => windowFailureRate(r.window('rate').last), {
      within: 0.1,
      why: "the consumer's failure_rate",
    }),
    atLeast('items sent, failure rate', 10, 'items/s', (r) => r.window('rate').rate(sent), {
      why: 'not all 20: each failed send makes its sender back off (100 ms per item on average, more on a busy machine)',
    }),
    atLeast('items sent, failure rate ÷ failures in a row', 1.1, '', (r) => r.window('rate').rate(sent) / r.window('streaks').rate(sent), {
      why:
        'more get through when the breaker judges by the rate: 1.2–4.1 × in seven runs on a busy machine, as streaks of 5 ' +
        'failures come by chance, some runs seldom',
    }),
    atMost('time until it opens on a dead consumer, failure rate', 11, 's', (r) => r.window('dead').seconds, {
      why: 'at most a window (breaker_window_ms, 10 s, kept in 1-s buckets) and a bucket: the half-good sends in it must age out',
    }),
  ],
  question: 'Which breaker would you put in front of a consumer that fails half of its requests?',
  answer:
    'It depends on what a failure costs. With the consecutive breaker the decision depends on traffic: five in a row ' +
    'is rare at 2 sends a second and routine at 200, so the same consumer looks healthy to a quiet client and broken ' +
    'to a busy one. The failure-rate breaker asks the question that matters — is this dependency mostly failing? — ' +
    'and at 50% it is not: each item needs two attempts on average, retries are cheap here, and every item got ' +
    'through except the 1 in 32 that failed five times. Had failures been expensive (a slow timeout, a payment), 50% ' +
    'would be broken enough: set breaker_failure_rate to 0.5 (the default, as in opossum and resilience4j) or lower. ' +
    'The price of judging by a window showed at the end: a dead consumer took seconds to be noticed instead of five ' +
    'failures — resilience4j and opossum also offer a slow-call rate and a volume threshold for this reason. Many ' +
    'systems pair both: a rate over a window, and a hard stop on connection errors.',
} satisfies Exercise;
