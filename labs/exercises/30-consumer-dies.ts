import { action, atLeast, atMost, type Exercise, exactly, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { instanceUrl, request, requestWhenUp } from '../src/services';
import { supervisorUrlFromEnv } from '../src/watch-instances';
import { needsInstance, postTo, recordFrom, requireInstance, startIntro } from './instances';
import { processed } from './measures';

const START = 'QUEUE_BACKEND=rabbitmq CONSUMERS=2 npm start';
const HELD = 20;
interface SupervisedInstance {
  name: string;
  pid: number;
  state: string;
  restarts: number;
}
interface SupervisorStatus {
  instances: SupervisedInstance[];
}
/** The supervisor's /status, once `ready` holds for it (asked until then, RESTART_DEADLINE_MS at most). */
const supervisorStatus = async (ready?: (status: SupervisorStatus) => boolean) =>
  (await requestWhenUp<SupervisorStatus>(`${supervisorUrlFromEnv()}/status`, undefined, ready)).body;
const consumer2 = (status: SupervisorStatus): SupervisedInstance => {
  const found = status.instances.find((i) => i.name === 'consumer-2');
  if (!found) throw new Error('the supervisor lists no consumer-2: start the lab with CONSUMERS=2');
  return found;
};

export default {
  id: '30-consumer-dies',
  title: 'A consumer dies holding items (broker)',
  backend: {
    only: 'rabbitmq',
    why: "it shows unacknowledged items redelivered after a consumer dies, a broker's guarantee",
  },
  needs: needsInstance('consumer', 2, START),
  goal:
    `A consumer that takes ${HELD} items and dies before acking them loses none: the broker still has them, unacked, ` +
    'and delivers them again to a consumer that is alive, flagged as redelivered. Meanwhile the other consumer keeps ' +
    'working, and the supervisor starts the dead one again.',
  intro: startIntro('two consumers', START, 'consumer-1 on :8001, consumer-2 on :8003; the supervisor on :8090'),
  steps: [
    requireInstance('consumer', 2, START),
    postTo(
      'consumer',
      2,
      '/admin/config',
      { max_concurrency: HELD, paused: true },
      `Consumer 2: a prefetch of ${HELD} (max_concurrency), paused — it takes items and holds them, unacked`,
    ),
    action(`Wait until consumer 2 holds ${HELD} items`, `curl -s http://localhost:8003/status | jq '.broker.holding'`, async (ctx) => {
      const url = instanceUrl(ctx.urls.consumer, 2);
      const deadline = performance.now() + 30_000;
      while ((await request(`${url}/status`)).body.broker.holding < HELD) {
        if (performance.now() > deadline) throw new Error(`consumer 2 does not hold ${HELD} items after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }),
    recordFrom('consumer', 1, '.broker.redeliveries', 'redeliveries before', (s) => s.broker.redeliveries),
    action(
      'Kill consumer 2 (SIGKILL: no goodbye, no ack)',
      `kill -9 $(curl -s http://localhost:8090/status | jq '.instances[] | select(.name == "consumer-2") | .pid')`,
      async (ctx) => {
        const before = consumer2(await supervisorStatus());
        ctx.record('restarts before', before.restarts);
        // What it holds is read at the last moment: a delivery to its old prefetch may still arrive.
        ctx.record('held by consumer 2', (await requestWhenUp(`${instanceUrl(ctx.urls.consumer, 2)}/status`)).body.broker.holding);
        process.kill(before.pid, 'SIGKILL');
        ctx.say(`killed PID ${before.pid}`);
      },
    ),
    watch(15, 'Consumer 1 keeps working; the supervisor restarts consumer 2', {
      window: 'after',
      jq: '{processed: .totals.processed, redeliveries: .broker.redeliveries}',
    }),
    action(
      'Who got the held items again',
      `curl -s http://localhost:8001/status | jq '.broker.redeliveries'; curl -s http://localhost:8003/status | jq '.broker.redeliveries'`,
      async (ctx) => {
        // On a busy machine the restarted consumer 2 may still be starting: wait until the supervisor
        // has it up again and it answers, rather than count a refused connection as nothing.
        const restarted = (status: SupervisorStatus) =>
          status.instances.some((i) => i.name === 'consumer-2' && i.state === 'up' && i.restarts > ctx.value('restarts before'));
        const supervisor = await supervisorStatus(restarted);
        const one = (await requestWhenUp(`${ctx.urls.consumer}/status`)).body.broker.redeliveries;
        const two = (await requestWhenUp(`${instanceUrl(ctx.urls.consumer, 2)}/status`)).body.broker?.redeliveries ?? 0;
        ctx.record('redelivered', one + two);
        ctx.record('restarts after', consumer2(supervisor).restarts);
      },
    ),
  ],
  watch: {
    panels: [PANELS.throughput],
    terminal: 'INSTANCES: consumer-2 "restarting", then up with "restarts 1 (last: SIGKILL)"; consumer-1 goes on at 10/s.',
  },
  checks: [
    atLeast('items consumer 2 held, unacked', HELD, 'items', (r) => r.value('held by consumer 2'), {
      // A raised prefetch re-subscribes; a delivery to the old subscription may still arrive.
      why: 'its prefetch (one or two more when a delivery to the old prefetch was under way)',
    }),
    atMost(
      'held but not delivered again',
      0,
      'items',
      (r) => r.value('held by consumer 2') - (r.value('redelivered') - r.value('redeliveries before')),
      {
        why:
          "every unacked item goes back to the queue when its consumer's connection dies, and is delivered again " +
          '(one more, below 0, when a delivery was on its way to consumer 2 as it died)',
      },
    ),
    atLeast('consumer 1 keeps processing', 4, 'items/s', (r) => r.window('after').rate(processed), {
      why: 'its share of the 10/s produced (half, once consumer 2 is back), and some of the redelivered',
    }),
    exactly('restarts of consumer 2', 1, '', (r) => r.value('restarts after') - r.value('restarts before'), {
      why: 'the supervisor starts it again',
    }),
  ],
  question:
    'The items came back. What did the crash still cost, and what would a consumer have to do so that processing twice does no harm?',
  answer:
    'Time: each held item waited in a dead process until the broker saw the connection gone, and only then went back ' +
    'to the queue (RabbitMQ puts it back in its old place, near the head). And at-least-once delivery: an item processed but not yet acked when the process died is processed ' +
    'again (the `redelivered` flag says it may have been). A consumer must be idempotent — remember item ids it has ' +
    'done, or make the effect of processing twice the same as once. A smaller prefetch bounds how much a crash puts back.',
} satisfies Exercise;
