import { labCluster, nodeAction } from '../src/broker-nodes';
import { action, atLeast, atMost, type Exercise, exactly, post, predict, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import {
  confirmedLost,
  fastConsumer,
  moveClient,
  NEEDS_CLUSTER,
  needsCluster,
  nodeWhilePublishing,
  noteBooks,
  noteLeader,
  quiet,
  wholeCluster,
} from './cluster-steps';

export default {
  id: '44-cluster-node-hangs',
  title: 'A hung node (SIGSTOP): why a hang costs seconds where a crash costs milliseconds (cluster)',
  backend: { only: 'rabbitmq', why: 'a quorum queue replicated on a RabbitMQ cluster of three nodes' },
  needs: needsCluster(),
  goal:
    'Exercise 42 killed the leader and publishing paused for a fraction of a second: a dead process’s ' +
    'connections close at once, and the other nodes know. Now stop the leader with SIGSTOP instead — a node ' +
    'that hangs (a long garbage collection, a frozen VM, a full disk): its sockets stay open and nothing ' +
    'answers. The others cannot tell a slow node from a dead one; they wait for missed heartbeats before they ' +
    'elect a new leader, and publishing waits with them: seconds, not milliseconds. Still nothing is lost.',
  intro:
    `${NEEDS_CLUSTER}\n\nThe producer and the consumer are first moved off the leader (as in exercise 42), so that ` +
    'only the queue’s leader hangs.',
  steps: [
    ...wholeCluster(),
    fastConsumer(),
    moveClient('producer', 'leader', "Move the producer off the queue's leader"),
    moveClient('consumer', 'leader', "Move the consumer off the queue's leader"),
    ...quiet(),
    noteBooks('before'),
    post('producer', '/admin/config', { production_rate: 100 }, 'Publish 100 items/s'),
    watch(3, 'Items flow through the cluster'),
    noteLeader('before'), // just before the node is acted on: on a loaded machine the leader once moved in the 10 s before
    predict('Exercise 42’s kill stalled publishing well under a second. How long will a hang of the leader stall it?', 'Several seconds.'),
    nodeWhilePublishing(
      'leader',
      'hang',
      25,
      'hang',
      "SIGSTOP the queue's leader (it hangs), sampling the producer's confirms every 50 ms",
    ),
    action('Let the hung node go on (SIGCONT): it rejoins as a follower', 'npm run rabbitmq-node -- resume <N>', async (ctx) => {
      await nodeAction(await labCluster(ctx.urls), ctx.value('hang node'), 'resume');
    }),
    ...quiet(),
    noteBooks('after'),
    ...wholeCluster(),
  ],
  watch: {
    panels: [PANELS.queueLeader, PANELS.clusterNodes, PANELS.throughput],
    terminal: 'sent/s falls to 0 for seconds, then resumes; the queue drains after.',
  },
  checks: [
    atLeast('publishing stalled (ms, real time)', 2000, '', (r) => r.value('hang stall ms'), {
      why: 'a hang is noticed only by missed heartbeats: seconds (a crash: exercise 42, well under 2 s)',
    }),
    atMost('… and resumed while the node still hung (ms)', 20_000, '', (r) => r.value('hang stall ms'), {
      why: 'confirms while the leader is frozen: the two others elected a new leader without it',
    }),
    exactly('the hung node led the queue', 1, '', (r) => (r.value('hang node') === r.value('before leader') ? 1 : 0)),
    exactly('confirmed items lost', 0, 'items', (r) => confirmedLost(r), { why: 'published − processed' }),
  ],
  question: 'Why not detect a hung node faster, with heartbeats every 100 ms?',
  answer:
    'Then every pause longer than that — a garbage collection, a busy machine, a network hiccup — would look ' +
    'like a dead node and start an election (and a leader that comes back finds itself replaced): false ' +
    'alarms that cost more than they save. The timeout is a trade-off between noticing a hang and mistaking ' +
    'a slow node for a dead one.',
  docker: 'In the Docker stack (`--profile cluster`): `docker pause lab18-rabbit-N`, then `docker unpause lab18-rabbit-N`.',
} satisfies Exercise;
