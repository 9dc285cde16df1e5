import { about, action, atLeast, type Exercise, exactly, post } from '../src/exercise';
import { submitAtOnce } from '../src/jobs-client';
import { PANELS } from '../src/panels';

export default {
  id: '12-timeout',
  title: 'Strategy: wait, but not forever (timeout)',
  goal:
    'Between block and reject: a caller waits up to enqueue_timeout_ms (1 s) for room, then gets a 429. Twenty ' +
    'clients arrive at once at a full queue drained at 4 items/s: in one second about 4 of them get in, and the ' +
    'others are refused — each after exactly the 1 s it was willing to wait.',
  intro: 'The generator is switched off here (production_rate 0) so that the twenty clients are the only producers.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 4 items/s'),
    post(
      'producer',
      '/admin/config',
      { queue_mode: 'timeout', max_queue_size: 20, enqueue_timeout_ms: 1000, production_rate: 0 },
      'Switch to timeout: 20 places, wait at most 1 s; no generator',
    ),
    post('producer', '/produce', { count: 22 }, 'Fill the queue: 20 wait, 2 are being processed'),
    action(
      'Twenty clients submit a job at the same moment',
      'for i in {1..20}; do curl -s -o /dev/null -w "%{http_code} %{time_total}s\\n" -X POST http://localhost:8000/jobs -d \'{}\' & done; wait',
      async (ctx) => {
        const answers = await submitAtOnce(ctx.urls.producer, 20);
        const refused = answers.filter((a) => a.status === 429);
        ctx.say(`202 accepted: ${answers.filter((a) => a.status === 202).length}, 429 refused: ${refused.length}`);
        ctx.record('accepted', answers.filter((a) => a.status === 202).length);
        ctx.record('refused', refused.length);
        ctx.record('other reasons', refused.filter((a) => a.reason !== 'timeout').length);
        ctx.record('refused wait', refused.reduce((sum, a) => sum + a.ms, 0) / Math.max(1, refused.length) / 1000);
      },
    ),
  ],
  watch: {
    panels: [PANELS.rejectedDropped, PANELS.blockedTime, PANELS.jobs],
    terminal: 'rejected jumps by ~16 one second after the clients arrive.',
  },
  checks: [
    about('jobs accepted', 4, 'jobs', (r) => r.value('accepted'), { within: 2, why: '4 items/s leave × 1 s of waiting' }),
    about('jobs refused with 429', 16, 'jobs', (r) => r.value('refused'), { within: 2, why: 'the rest' }),
    atLeast('how long a refused job waited', 1, 's', (r) => r.value('refused wait'), {
      why: 'enqueue_timeout_ms: refused only after the whole wait',
    }),
    exactly('refusals for a reason other than "timeout"', 0, 'jobs', (r) => r.value('other reasons')),
  ],
  question: 'How would you choose enqueue_timeout_ms?',
  answer:
    "From what the caller can afford, not from the queue: it is the part of the caller's latency budget (its SLA) you " +
    'are willing to spend waiting for admission. Short timeouts turn overload into quick, clear refusals; long ones ' +
    'absorb short bursts but make every refused caller pay the full wait first — here 16 clients each waited 1 s for ' +
    'nothing. Admission ≈ drain rate × timeout tells you how many waiting callers a timeout can save.',
} satisfies Exercise;
