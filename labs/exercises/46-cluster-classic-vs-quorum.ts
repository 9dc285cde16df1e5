import { type Cluster, labCluster, managementApi, nodeAction } from '../src/broker-nodes';
import { type ActionContext, action, type Exercise, exactly } from '../src/exercise';
import { PANELS } from '../src/panels';
import { NEEDS_CLUSTER, needsCluster, quiet, wholeCluster } from './cluster-steps';

// Two queues of its own (not lab.*: the lab's policy does not reach them): the classic one on node 3.
const QUEUES = { classic: 'demo.classic', quorum: 'demo.quorum' } as const;
type Kind = keyof typeof QUEUES;
const MESSAGES = 100;
const NODE = 3;
const route = (kind: Kind, tail = '') => `/api/queues/%2F/${QUEUES[kind]}${tail}`;

/** Messages of a queue that can be read now (fetched and put back); 0 when the queue cannot answer. */
async function readable(cluster: Cluster, kind: Kind): Promise<number> {
  const got = await managementApi(cluster, route(kind, '/get'), 'POST', {
    count: 10 * MESSAGES,
    ackmode: 'ack_requeue_true',
    encoding: 'auto',
  }).catch(() => undefined);
  return Array.isArray(got) ? got.length : 0;
}

const readBoth = (name: string, say: string) =>
  action(
    say,
    `curl -s -u guest:guest -X POST localhost:15672${route('classic', '/get')} -d '{"count": 1000, "ackmode": "ack_requeue_true", "encoding": "auto"}' | jq length   # and ${QUEUES.quorum}`,
    async (ctx: ActionContext) => {
      const cluster = await labCluster(ctx.urls);
      for (const kind of ['classic', 'quorum'] as const) {
        // Asked for up to 15 s: a quorum queue that lost its leader elects another within a second or
        // two, a restarted node recovers its queues after it joined; a queue that stays down reads 0.
        let count = await readable(cluster, kind);
        for (let i = 0; count < MESSAGES && i < 30; i++) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          count = await readable(cluster, kind);
        }
        ctx.record(`${kind} ${name}`, count);
        ctx.say(`${QUEUES[kind]}: ${count} readable`);
      }
    },
  );

const nodeStep = (act: 'kill' | 'restart', say: string) =>
  action(say, `npm run rabbitmq-node -- ${act} ${NODE}`, async (ctx) => {
    await nodeAction(await labCluster(ctx.urls), NODE, act);
  });

export default {
  id: '46-cluster-classic-vs-quorum',
  title: 'What replication buys: a classic queue on the killed node against a quorum queue (cluster)',
  backend: { only: 'rabbitmq', why: 'queues on a RabbitMQ cluster of three nodes' },
  needs: needsCluster(),
  goal:
    'A classic queue lives on one node; a quorum queue on three. Put 100 persistent messages in each — the ' +
    'classic queue on node 3, the quorum queue with a member there — and kill node 3. The quorum queue elects a leader on another node and every message can ' +
    'still be read; the classic queue is down with its node: nothing can be read or published until node 3 ' +
    'comes back — and it comes back with its messages only because its disk did. Replication buys availability ' +
    'while a node is down, and survival of a lost disk.',
  intro: `${NEEDS_CLUSTER}\n\nThis exercise talks to RabbitMQ directly (its management API), with two queues of its own; the lab's generator is stopped meanwhile.`,
  steps: [
    ...wholeCluster(),
    ...quiet(),
    action(
      `Declare ${QUEUES.classic} (classic, on node ${NODE}) and ${QUEUES.quorum} (quorum, on all three), with ${MESSAGES} persistent messages each`,
      `curl -u guest:guest -X PUT localhost:15672${route('classic')} -d '{"durable": true, "node": "<node 3>", "arguments": {"x-queue-type": "classic"}}'\n` +
        `curl -u guest:guest -X PUT localhost:15672${route('quorum')} -d '{"durable": true, "node": "<node 3>", "arguments": {"x-queue-type": "quorum"}}'\n` +
        `for i in {1..${MESSAGES}}; do curl -s -u guest:guest -X POST localhost:15672/api/exchanges/%2F/amq.default/publish -d '{"routing_key": "${QUEUES.classic}", "payload": "m", "payload_encoding": "string", "properties": {"delivery_mode": 2}}'; done   # and ${QUEUES.quorum}`,
      async (ctx) => {
        const cluster = await labCluster(ctx.urls);
        const node = cluster.names[NODE - 1];
        for (const kind of ['classic', 'quorum'] as const) {
          await managementApi(cluster, route(kind), 'DELETE').catch(() => undefined); // from an earlier run
          await managementApi(cluster, route(kind), 'PUT', { durable: true, node, arguments: { 'x-queue-type': kind } });
          for (let i = 0; i < MESSAGES; i++) {
            const answer = await managementApi(cluster, '/api/exchanges/%2F/amq.default/publish', 'POST', {
              routing_key: QUEUES[kind],
              payload: `message ${i + 1}`,
              payload_encoding: 'string',
              properties: { delivery_mode: 2 },
            });
            if (!answer?.routed) throw new Error(`message ${i + 1} was not routed to ${QUEUES[kind]}`);
          }
        }
        for (const kind of ['classic', 'quorum'] as const) {
          const queue = await managementApi(cluster, route(kind));
          ctx.say(
            `${QUEUES[kind]}: ${MESSAGES} messages, on ${queue?.leader ?? queue?.node}${queue?.members ? ` (members ${queue.members.join(', ')})` : ''}`,
          );
        }
      },
    ),
    readBoth('before', 'Read both (each message fetched and put back)'),
    nodeStep('kill', `SIGKILL node ${NODE}`),
    readBoth('while down', `Read both while node ${NODE} is down`),
    nodeStep('restart', `Start node ${NODE} again (its disk kept)`),
    readBoth('after restart', 'Read both again'),
    action(
      'Delete the two queues',
      `curl -u guest:guest -X DELETE localhost:15672${route('classic')}   # and ${QUEUES.quorum}`,
      async (ctx) => {
        const cluster = await labCluster(ctx.urls);
        for (const kind of ['classic', 'quorum'] as const) await managementApi(cluster, route(kind), 'DELETE');
      },
    ),
    ...wholeCluster(),
  ],
  watch: {
    panels: [PANELS.clusterNodes, PANELS.queueLeader],
    terminal: 'nothing changes for the lab itself: the queues of this exercise are its own.',
  },
  checks: [
    exactly('classic: readable before', MESSAGES, 'items', (r) => r.value('classic before')),
    exactly('quorum: readable before', MESSAGES, 'items', (r) => r.value('quorum before')),
    exactly(`quorum: readable while node ${NODE} is down`, MESSAGES, 'items', (r) => r.value('quorum while down'), {
      why: 'two of three members hold every message; one of them leads now',
    }),
    exactly(`classic: readable while node ${NODE} is down`, 0, 'items', (r) => r.value('classic while down'), {
      why: 'its only copy is on the dead node',
    }),
    exactly('classic: readable after the restart', MESSAGES, 'items', (r) => r.value('classic after restart'), {
      why: 'durable queue, persistent messages: the node’s disk kept them',
    }),
  ],
  question: 'Node 3 comes back here with its disk. What if its disk were lost?',
  answer:
    'The classic queue’s 100 messages would be gone for good: it had no other copy. The quorum queue would ' +
    'lose nothing — a new member added on a fresh node (rabbitmq-queues add_member) copies the log from the ' +
    'others. Replication costs CPU and network (npm run bench:cluster: about twice the broker CPU per item).',
  docker: 'In the Docker stack (`--profile cluster`): `docker kill lab18-rabbit-3`, then `docker start lab18-rabbit-3`.',
} satisfies Exercise;
