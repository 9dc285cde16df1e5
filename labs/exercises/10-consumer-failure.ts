import { about, action, atMost, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { request } from '../src/services';
import type { Snapshot } from '../src/snapshot';
import { deadLettered, JQ, queued } from './measures';

const breakerIs = (state: string) => (s: Snapshot) => s.producer?.backend.breaker?.state === state;

export default {
  id: '10-consumer-failure',
  title: 'Advanced: the consumer stops answering — circuit breaker',
  backend: {
    only: 'memory',
    why: 'the circuit breaker belongs to the dispatcher that sends each item; on the broker the consumers pull and nothing is sent, so there is no breaker to open',
  },
  goal:
    "Make the consumer hang: it accepts requests but answers none. The producer's sends time out; after 5 failures " +
    'in a row its circuit breaker opens and it stops sending for 2 s at a time, trying one probe in between. Items ' +
    'stay safely in the queue, and when the consumer is back the breaker closes and the queue drains.',
  intro:
    'The runner pauses the consumer (`POST /admin/pause`) rather than killing it: that works the same natively, on ' +
    'Docker and in CI, it is undone with one request, and under `npm start` a killed consumer would be restarted ' +
    'within a second — too fast to watch. A hung consumer is also the harder case: each timeout takes a whole ' +
    '`send_timeout_ms`, and (unlike a refused connection) counts as an attempt of the item being sent.',
  steps: [
    post(
      'producer',
      '/admin/config',
      { send_timeout_ms: 2000 },
      'Give up on a send after 2 s (with the default 10 s the breaker would take 30 s to open)',
    ),
    post('consumer', '/admin/pause', undefined, 'Make the consumer hang'),
    until('Wait for the breaker to open', breakerIs('open'), 30, { window: 'opening', jq: JQ.breaker }),
    action(
      'Ask the producer whether it is ready',
      'curl -s -o /dev/null -w "%{http_code}\\n" http://localhost:8000/health/ready',
      async (ctx) => {
        const answer = await request(`${ctx.urls.producer}/health/ready`);
        ctx.say(`GET /health/ready → ${answer.status} ${JSON.stringify(answer.body)}`);
        ctx.record('ready', answer.status);
      },
    ),
    watch(5, 'The breaker is open: nothing is sent, the queue grows', { window: 'outage', jq: JQ.breaker }),
    post('consumer', '/admin/resume', undefined, 'Bring the consumer back'),
    until('Wait for the breaker to close', breakerIs('closed'), 20, { window: 'closing', jq: JQ.breaker }),
    watch(10, 'Watch the queue drain', { window: 'recovery', jq: JQ.breaker }),
  ],
  watch: {
    panels: [PANELS.breaker, PANELS.queueDepth, PANELS.retries, PANELS.deadLetters],
    terminal: 'breaker closed → open (red) → closed; the queue grows while it is open and drains after.',
  },
  checks: [
    about('time until the breaker opens', 6, 's', (r) => r.window('opening').seconds, {
      within: 1.5,
      why: '5 failures in a row; 2 senders each fail every 2 s (send_timeout_ms), so the 5th comes at about 6 s',
    }),
    exactly('readiness while open (HTTP status)', 503, '', (r) => r.value('ready'), { why: '/health/ready says "not ready"' }),
    about('queue growth while open', 10, 'items/s', (r) => r.window('outage').rate(queued), {
      tolerance: 0.25,
      why: 'production goes on; nothing is sent',
    }),
    atMost('time from resume until the breaker closes', 2.5, 's', (r) => r.window('closing').seconds, {
      why: 'the probe waiting in the consumer (or the next one, within breaker_reset_ms, 2 s) succeeds after 0.5 s',
    }),
    about('queue drains', 10, 'items/s', (r) => -r.window('recovery').rate(queued), {
      tolerance: 0.4,
      why: '20 processed − 10 produced (a small loss of capacity shows here doubled)',
    }),
    exactly('items dead-lettered', 0, 'items', (r) => deadLettered(r.window('recovery').last) - deadLettered(r.window('opening').first), {
      why: 'no item failed max_attempts (5) times: 3 timeouts before the breaker opened, then the probe succeeded',
    }),
  ],
  question: 'What would happen if the consumer stayed hung for a minute instead of a few seconds?',
  answer:
    'The queue would keep growing at 10 items/s (600 in a minute) — with an unbounded queue that is exercise 3 again, ' +
    'so a breaker belongs with a bounded queue. And every probe that times out costs the item at the head of the ' +
    'queue one attempt: two more probes (about 8 s) and that item is dead-lettered (`GET /dead-letters`) and the next ' +
    'one takes its place. A consumer that is really down (connection refused) costs the items nothing: the ' +
    'dispatcher does not blame an item for a consumer it cannot reach. That is why a hung dependency is worse ' +
    'than a dead one — and why timeouts should be short.',
  docker:
    'On Docker you can also really stop the consumer, as the original lab does: `docker compose stop lab18-consumer`, ' +
    'watch, then `docker compose start lab18-consumer`. The connection fails at once, so the breaker opens within a ' +
    'fraction of a second, no attempts are used and nothing is dead-lettered. (Natively, killing the consumer under ' +
    "`npm start` shows the same thing in about a second before it is restarted. The project's test suite checks " +
    'this case in test/resilience.test.ts; this runner does not.)',
} satisfies Exercise;
