import { atLeast, atMost, type Exercise, exactly, post, predict, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import {
  confirmedLost,
  fastConsumer,
  moveClient,
  NEEDS_CLUSTER,
  needsCluster,
  nodeWhilePublishing,
  noteBooks,
  quiet,
  wholeCluster,
} from './cluster-steps';

export default {
  id: '43-cluster-producer-node-killed',
  title: 'Kill the node the producer is connected to: failover, re-sends, duplicates counted (cluster)',
  backend: { only: 'rabbitmq', why: 'a quorum queue replicated on a RabbitMQ cluster of three nodes' },
  needs: needsCluster(),
  goal:
    'This time the node that dies holds the producer’s connection (not the queue’s leader). The producer loses ' +
    'the publishes it had sent and not yet seen confirmed: it cannot know whether the queue has them. It ' +
    'reconnects to the next node of its list and publishes them again, with their message ids; those the queue ' +
    'had already are duplicates, which the consumer recognises by id, counts and does not process twice.',
  intro:
    `${NEEDS_CLUSTER}\n\nFirst the producer is moved off the queue’s leader and the consumer off the producer’s ` +
    'node (their connection there is closed; each reconnects to the next node of its AMQP_URL), so that only the ' +
    'producer’s connection dies here.',
  steps: [
    ...wholeCluster(),
    fastConsumer(),
    moveClient('producer', 'leader', "Move the producer off the queue's leader"),
    moveClient('consumer', 'producer-node', "Move the consumer off the producer's node"),
    ...quiet(),
    noteBooks('before'),
    post('producer', '/admin/config', { production_rate: 500 }, 'Publish 500 items/s: many publishes are unconfirmed at any moment'),
    watch(3, 'Items flow through the cluster'),
    predict(
      'What happens to the publishes the producer had sent to the dying node?',
      'They are sent again on the new connection; some arrive twice.',
    ),
    nodeWhilePublishing('producer-node', 'kill', 6, 'kill', "SIGKILL the producer's node, sampling its confirms every 50 ms"),
    ...quiet(),
    noteBooks('after'),
    ...wholeCluster(),
  ],
  watch: {
    panels: [PANELS.failovers, PANELS.brokerConnection, PANELS.clusterNodes, PANELS.throughput],
    terminal: 'sent/s dips for about a second while the producer reconnects; the queue drains.',
  },
  checks: [
    exactly('the producer moved to another node (failovers)', 1, '', (r) => r.value('after failovers') - r.value('before failovers')),
    atLeast('publishes re-sent', 1, 'items', (r) => r.value('after resends') - r.value('before resends'), {
      why: 'those unconfirmed when the connection died',
    }),
    atMost(
      'duplicates − re-sent (a duplicate comes only from a re-send)',
      0,
      'items',
      (r) => r.value('after duplicates') - r.value('before duplicates') - (r.value('after resends') - r.value('before resends')),
    ),
    exactly('confirmed items lost', 0, 'items', (r) => confirmedLost(r), { why: 'published − processed (duplicates not processed again)' }),
    atMost('publishing stalled (ms, real time)', 5000, '', (r) => r.value('kill stall ms'), {
      why: 'the lost connection, 0.5 s before reconnecting, a new channel, the re-sends',
    }),
  ],
  question: 'The consumer recognises a duplicate by the ids it saw lately. When would that not be enough?',
  answer:
    'When the copy goes to another consumer (each remembers only its own ids), or arrives after the id has left ' +
    'its memory (the last 100,000). Then the work itself must be idempotent: exercise 37 writes each item once ' +
    'with INSERT … ON CONFLICT DO NOTHING.',
  docker: 'In the Docker stack (`--profile cluster`): `docker kill lab18-rabbit-N` for the producer’s node.',
} satisfies Exercise;
