import { atMost, type Exercise, exactly, post, predict, watch } from '../src/exercise';
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
  id: '42-cluster-leader-killed',
  title: "Kill the queue's leader: a new one within a second, no confirmed item lost (cluster)",
  backend: { only: 'rabbitmq', why: 'a quorum queue replicated on a RabbitMQ cluster of three nodes' },
  needs: needsCluster(),
  goal:
    'A quorum queue lives on three nodes; one of them, the leader, takes every publish and replicates it to the ' +
    'others, and RabbitMQ confirms a publish once a majority (2 of 3) has written it. SIGKILL the leader while ' +
    '100 items/s are published: the two others elect a new leader, publishing pauses for a fraction of a second, ' +
    'and every item the producer was told was confirmed gets processed.',
  intro:
    `${NEEDS_CLUSTER}\n\nThe producer and the consumer are first moved off the leader (their connection there is ` +
    "closed; each reconnects to the next node of its AMQP_URL), so that only the queue's leader dies here: exercise " +
    '43 kills the node a client is connected to.',
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
    predict('How long will publishing stop when the leader dies, and how many confirmed items will be lost?', 'Well under a second; none.'),
    nodeWhilePublishing('leader', 'kill', 6, 'kill', "SIGKILL the queue's leader, sampling the producer's confirms every 50 ms"),
    noteLeader('after'),
    ...quiet(),
    noteBooks('after'),
    ...wholeCluster(),
  ],
  watch: {
    panels: [PANELS.queueLeader, PANELS.clusterNodes, PANELS.failovers, PANELS.throughput],
    terminal: 'the producer keeps publishing (a short dip in sent/s); the leader moves to another node.',
  },
  checks: [
    exactly('confirmed items lost', 0, 'items', (r) => confirmedLost(r), {
      why: 'published (confirmed by a majority) − processed, between the two notes',
    }),
    atMost('publishing stalled (ms, real time)', 2000, '', (r) => r.value('kill stall ms'), {
      why: 'the followers see the leader’s node go down at once (its connections close) and elect another',
    }),
    exactly('the killed node led the queue', 1, '', (r) => (r.value('kill node') === r.value('before leader') ? 1 : 0)),
    exactly('a new leader on another node', 1, '', (r) => (r.value('after leader') !== r.value('kill node') ? 1 : 0)),
    exactly('the producer did not move (failovers)', 0, '', (r) => r.value('after failovers') - r.value('before failovers')),
  ],
  question: 'Why can RabbitMQ confirm a publish when only two of the three nodes have written it?',
  answer:
    'Raft: a majority of the members has it, and any future leader must come from a majority, so at least one ' +
    'node of any future majority has it. Lose two nodes of three and the queue stops taking publishes (no ' +
    'majority) instead of confirming what it could lose.',
  docker: 'In the Docker stack (`--profile cluster`): `docker kill lab18-rabbit-N` for the leader’s container.',
} satisfies Exercise;
