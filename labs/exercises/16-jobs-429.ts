import { about, action, type Exercise, exactly, post, until } from '../src/exercise';
import { submitAtOnce, submitPolitely } from '../src/jobs-client';
import { PANELS } from '../src/panels';

const POLITE_CLIENT = `# A polite client: on 429, wait as long as Retry-After says, then try the same job again.
for i in {1..100}; do
  until [ "$(curl -s -o /dev/null -D /tmp/headers -w '%{http_code}' -X POST http://localhost:8000/jobs -d '{}')" = 202 ]; do
    sleep "$(grep -i '^retry-after:' /tmp/headers | tr -dc 0-9)"
  done
done`;

export default {
  id: '16-jobs-429',
  title: 'Strategy: 429 Too Many Requests, and a client that backs off',
  goal:
    'The job API (seed 000) answers 202 when it accepts a job and 429 with a Retry-After header when the queue is ' +
    'full. A client that gives up on a 429 loses work; a client that waits as long as Retry-After says and tries ' +
    'again gets every job in, at exactly the pace the consumer can take.',
  intro:
    "The generator is switched off (production_rate 0): the clients are the only producers. The runner's polite " +
    'client is labs/src/jobs-client.ts; with LAB_TIME_SCALE it divides Retry-After (whole seconds) by the scale.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 4 items/s'),
    post(
      'producer',
      '/admin/config',
      { queue_mode: 'bounded', max_queue_size: 20, production_rate: 0 },
      'A bounded queue of 20; no generator',
    ),
    action(
      'A naive client: 100 jobs at once, and no second try',
      'for i in {1..100}; do curl -s -o /dev/null -w "%{http_code}\\n" -X POST http://localhost:8000/jobs -d \'{}\' & done | sort | uniq -c',
      async (ctx) => {
        const answers = await submitAtOnce(ctx.urls.producer, 100);
        const refused = answers.filter((a) => a.status === 429);
        ctx.say(
          `202 accepted: ${answers.length - refused.length}, 429 refused: ${refused.length} (Retry-After: ${refused[0]?.retryAfter ?? '—'} s)`,
        );
        ctx.record('naive accepted', answers.filter((a) => a.status === 202).length);
        ctx.record('naive refused', refused.length);
        ctx.record('429 without Retry-After', refused.filter((a) => !(Number(a.retryAfter) >= 1)).length);
      },
    ),
    until(
      'Let the queue drain',
      (s) => s.producer?.queue.size === 0 && !('in_flight' in s.producer.accounting && s.producer.accounting.in_flight > 0),
      30,
    ),
    action('A polite client: 100 jobs one after the other, honouring Retry-After', POLITE_CLIENT, async (ctx) => {
      const run = await submitPolitely(ctx.urls.producer, 100, ctx.scale);
      ctx.say(`accepted ${run.accepted} of 100 in ${run.seconds.toFixed(1)} s after ${run.refusals} answers of 429`);
      ctx.record('polite accepted', run.accepted);
      ctx.record('polite seconds', run.seconds);
      ctx.record('polite refusals', run.refusals);
    }),
  ],
  watch: {
    panels: [PANELS.jobs, PANELS.rejectedDropped, PANELS.queueDepth],
    terminal: 'the naive burst shows as ~78 rejected at once; the polite client keeps the queue full with almost no rejections.',
  },
  checks: [
    about('naive: jobs accepted', 22, 'jobs', (r) => r.value('naive accepted'), {
      within: 4,
      why: '20 places + up to 2 taken at once by the senders (+ any that finish while the burst arrives)',
    }),
    about('naive: jobs refused, lost', 78, 'jobs', (r) => r.value('naive refused'), { within: 4, why: 'the rest' }),
    exactly('429 answers without a Retry-After', 0, '', (r) => r.value('429 without Retry-After')),
    exactly('polite: jobs accepted', 100, 'jobs', (r) => r.value('polite accepted'), { why: 'nothing lost' }),
    about('polite: time to submit 100 jobs', 19.5, 's', (r) => r.value('polite seconds'), {
      tolerance: 0.3,
      why: '22 at once, then (100 − 22) ÷ 4 items/s',
    }),
    about('polite: 429 answers received', 20, '', (r) => r.value('polite refusals'), {
      tolerance: 0.4,
      why: 'about one per second of waiting: Retry-After is 1 s',
    }),
  ],
  question: 'Why does the polite client add a little random jitter to Retry-After, and why is retrying at once (without waiting) harmful?',
  answer:
    'A client that retries at once turns every refusal into more load exactly when the service is overloaded — a ' +
    "retry storm. Honouring Retry-After makes the client's pace follow the service's: here it submits about 4 jobs a " +
    "second, the consumer's rate, with one 429 per second. If a thousand clients all waited exactly 1 s they would " +
    "come back in the same instant; a little jitter spreads them out. The producer's own dispatcher does the same " +
    'towards the consumer (exponential backoff with full jitter, never shorter than Retry-After).',
} satisfies Exercise;
