import { setTimeout as sleep } from 'node:timers/promises';
import { action, type Exercise, exactly, post } from '../src/exercise';
import { PANELS } from '../src/panels';
import { type ProducerStatus, request } from '../src/services';
import { supervisorUrlFromEnv } from '../src/watch-instances';
import { startIntro } from './instances';

const START = 'QUEUE_BACKEND=rabbitmq AUTOSCALE=1 npm start';
const BURST = 1000;
/** The scaler's own clock (a 10 s cooldown) is not compressed: give it real time. */
const GIVE_UP_AFTER_S = 120;

export default {
  id: '29-autoscale',
  title: 'Consumers that scale themselves (broker)',
  backend: {
    only: 'rabbitmq',
    why: "the autoscaler reads the broker queue's depth, as KEDA does",
  },
  needs: {
    start: `\`${START}\``,
    running: async () => Boolean((await request(`${supervisorUrlFromEnv()}/status`)).body.autoscaler?.enabled),
    uses: { consumer: Infinity }, // every consumer the autoscaler runs
  },
  goal:
    'The supervisor keeps ceil(queue depth ÷ 100) consumers running, between 1 and 4, the way KEDA scales on a ' +
    'RabbitMQ queue. A burst of 1,000 items asks for 10: it starts 4 at once, the most allowed; they drain the queue, ' +
    'and as it empties it stops them again, at most one change every 10 s (the cooldown) — each one stopped finishes ' +
    'and acks what it holds first, so nothing is lost.',
  intro:
    startIntro('the autoscaler', START, 'it starts with one consumer; its state is at http://localhost:8090/status') +
    ' `npm run watch` shows the consumers come and go under INSTANCES, and the supervisor logs each decision: ' +
    '"scaled 1 → 4: depth 983, target 100".',
  steps: [
    action('Check that the autoscaler is on', `curl -s http://localhost:8090/status | jq '.autoscaler'`, async (ctx) => {
      const answer = await request(`${supervisorUrlFromEnv()}/status`).catch(() => undefined);
      if (answer?.status !== 200 || !answer.body.autoscaler?.enabled) throw new Error(`this exercise needs the autoscaler: ${START}`);
      ctx.record('consumers at the start', answer.body.autoscaler.consumers);
    }),
    post('producer', '/admin/config', { production_rate: 0 }, 'Stop the steady production: only the burst will be in the queue'),
    post('producer', '/produce', { count: BURST }, `A burst of ${BURST} items`),
    action(
      'Follow the autoscaler until the queue is empty and it is back to one consumer',
      `watch -n 1 "curl -s http://localhost:8090/status | jq -c '.autoscaler | {depth, consumers, desired}'"`,
      async (ctx) => {
        let most = 0;
        const deadline = performance.now() + GIVE_UP_AFTER_S * 1000;
        for (;;) {
          const scaler = (await request(`${supervisorUrlFromEnv()}/status`)).body.autoscaler;
          most = Math.max(most, scaler.consumers);
          if (most > 1 && scaler.consumers === 1 && scaler.depth === 0) break;
          if (performance.now() > deadline)
            throw new Error(`not back to one consumer after ${GIVE_UP_AFTER_S} s: ${JSON.stringify(scaler)}`);
          await sleep(200);
        }
        ctx.record('most consumers', most);
        ctx.say(`up to ${most} consumers, and back to 1`);
      },
    ),
    action(
      'The books',
      `curl -s http://localhost:8000/status | jq '{published: .accounting.published, ready: .backend.ready, dead_lettered: .accounting.dead_lettered}'`,
      async (ctx) => {
        const status = (await request<ProducerStatus>(`${ctx.urls.producer}/status`)).body;
        const books = status.accounting;
        ctx.record('published', 'published' in books ? books.published : NaN); // the books on the broker
        ctx.record('left in the queue', status.backend.ready ?? NaN);
        ctx.record('dead-lettered', status.accounting.dead_lettered);
      },
    ),
    post('producer', '/admin/config', { production_rate: 10 }, 'Steady production back on'),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.throughput],
    terminal: 'INSTANCES: consumer-2, -3 and -4 appear within a second of the burst, and go after the queue is empty.',
  },
  checks: [
    exactly('consumers at the start', 1, '', (r) => r.value('consumers at the start'), { why: 'ceil(0 ÷ 100), at least MIN_CONSUMERS 1' }),
    exactly('most consumers', 4, '', (r) => r.value('most consumers'), { why: `ceil(${BURST} ÷ 100) = 10, at most MAX_CONSUMERS 4` }),
    exactly('left in the queue', 0, 'items', (r) => r.value('left in the queue'), { why: 'drained, then scaled down' }),
    exactly('dead-lettered', 0, 'items', (r) => r.value('dead-lettered'), {
      why: 'a consumer stopped by the scaler finishes and acks what it holds',
    }),
  ],
  question: 'Why a cooldown, and why is the depth divided by a target rather than compared with a threshold?',
  answer:
    'Without a cooldown a queue hovering near a boundary (say 100 ↔ 101 items) would start and stop a consumer every ' +
    'second, each start costing a process and a connection. Dividing by a target makes the count proportional to the ' +
    'backlog: 1,000 items ask for 10 consumers at once instead of one more per step. Note what the target means: ' +
    'with 100 items per consumer and 20 items/s each, a backlog is meant to be gone in about 5 s — choose it from the ' +
    "wait you accept (Little's law again), not from the queue length you like.",
} satisfies Exercise;
