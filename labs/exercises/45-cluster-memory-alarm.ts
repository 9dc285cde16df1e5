import { type ActionContext, about, action, type Exercise, exactly, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { instanceUrl, type ProducerStatus, requestWhenUp } from '../src/services';
import { confirmedLost, ctlStep, fastConsumer, NEEDS_CLUSTER, needsCluster, noteBooks, quiet, wholeCluster } from './cluster-steps';
import { postTo, requireInstance } from './instances';
import { published } from './measures';

const START = "PRODUCERS=2 in front of the cluster's npm start line (labs/45-cluster-memory-alarm.md)";
const refusedBlocked = (s: ProducerStatus) => s.accounting.rejected_by_reason.broker_blocked ?? 0;
const confirmed = (s: ProducerStatus) => (s.accounting as { published: number }).published;

/** Producer n's confirmed publishes and broker_blocked refusals now, and when (ms). */
const notePublisher = (n: number, name: string) =>
  action(
    `producer-${n}: confirmed and refused (broker_blocked), ${name}`,
    `curl -s localhost:${8000 + 2 * (n - 1)}/status | jq '{published: .accounting.published, broker_blocked: .accounting.rejected_by_reason.broker_blocked, blocked: .backend.blocked}'`,
    async (ctx: ActionContext) => {
      const { body } = await requestWhenUp<ProducerStatus>(`${instanceUrl(ctx.urls.producer, n)}/status`);
      ctx.record(`p${n} ${name} published`, confirmed(body));
      ctx.record(`p${n} ${name} refused`, refusedBlocked(body));
      ctx.record(`p${n} ${name} at`, performance.now());
    },
  );

/** Waits until every producer (1 … count) says the broker blocks it, or no longer does; records how many do. */
const everyProducer = (count: number, blocked: boolean, say: string) =>
  action(say, "curl -s localhost:8000/status | jq '.backend.blocked'   # and localhost:8002", async (ctx) => {
    for (let n = 1; n <= count; n++) {
      await requestWhenUp<ProducerStatus>(
        `${instanceUrl(ctx.urls.producer, n)}/status`,
        60_000,
        (s) => s.backend.blocked?.blocked === blocked,
      );
    }
    if (blocked) ctx.record('producers blocked', count);
    ctx.say(`${count} of ${count} producers ${blocked ? 'blocked' : 'publishing again'}`);
  });

const BOUNDED = { queue_mode: 'bounded', max_queue_size: 1000, production_rate: 20 };

export default {
  id: '45-cluster-memory-alarm',
  title: "The broker's own backpressure: one node's memory alarm blocks every publisher (cluster)",
  backend: { only: 'rabbitmq', why: "RabbitMQ's resource alarms (connection.blocked) on a cluster of three nodes" },
  needs: needsCluster(2),
  goal:
    'A RabbitMQ node short of memory raises an alarm, and the whole cluster then stops reading from every ' +
    'connection that publishes — every producer of the fleet, whichever node it is connected to. The producer ' +
    'makes that a state of its own (`backend.blocked`): in `bounded` mode it refuses each new item at once with ' +
    'reason `broker_blocked` instead of piling up publishes that cannot be confirmed. Lower node 2’s memory ' +
    'watermark until it alarms, watch both producers refuse, put the watermark back: nothing confirmed is lost.',
  intro: `${NEEDS_CLUSTER}\n\nRun it with two producers: \`PRODUCERS=2\` in front of that \`npm start\`.`,
  steps: [
    requireInstance('producer', 2, `${START}`),
    ...wholeCluster(),
    fastConsumer(),
    ...quiet(2),
    noteBooks('before', 2),
    post('producer', '/admin/config', BOUNDED, 'Producer 1: bounded at 1,000, 20 items/s'),
    postTo('producer', 2, '/admin/config', BOUNDED, 'Producer 2: the same'),
    watch(3, 'Items flow'),
    ctlStep(2, ['set_vm_memory_high_watermark', '0.0001'], "Node 2's memory watermark far below what it uses: its memory alarm goes off"),
    until('Wait until producer 1 says it is blocked', (s) => s.producer?.backend.blocked?.blocked === true, 30, {
      jq: '.backend.blocked',
    }),
    everyProducer(2, true, 'Wait until every producer says so'),
    notePublisher(2, 'alarm on'),
    watch(4, 'The alarm goes on', { window: 'blocked', jq: '{blocked: .backend.blocked, rejected: .accounting.rejected_by_reason}' }),
    notePublisher(2, 'still'),
    ctlStep(2, ['set_vm_memory_high_watermark', '0.4'], 'The watermark back to its default (0.4 of the memory): the alarm clears'),
    everyProducer(2, false, 'Wait until every producer publishes again'),
    ...quiet(2),
    noteBooks('after', 2),
  ],
  watch: {
    panels: [PANELS.brokerAlarms, PANELS.membersOnline, PANELS.rejectedDropped],
    terminal: 'sent/s falls to 0 and rejected/s rises to the production rate, on every producer; then back.',
  },
  checks: [
    exactly('producers blocked by node 2’s alarm', 2, '', (r) => r.value('producers blocked'), {
      why: 'an alarm blocks the whole cluster',
    }),
    exactly('confirmed during the alarm, producer 1', 0, 'items', (r) => r.window('blocked').change(published)),
    exactly('confirmed during the alarm, producer 2', 0, 'items', (r) => r.value('p2 still published') - r.value('p2 alarm on published')),
    about('refused broker_blocked, producer 1', 20, 'items/s', (r) => r.window('blocked').rate((s) => refusedBlocked(s.producer)), {
      tolerance: 0.25,
      why: 'bounded refuses every new item while blocked: the production rate',
    }),
    about(
      'refused broker_blocked, producer 2',
      20,
      'items/s',
      (r) => ((r.value('p2 still refused') - r.value('p2 alarm on refused')) * 1000) / (r.value('p2 still at') - r.value('p2 alarm on at')),
      { tolerance: 0.25, why: 'the same, on another producer' },
    ),
    exactly('confirmed items lost', 0, 'items', (r) => confirmedLost(r), { why: 'published by both − processed' }),
  ],
  question: 'In `block` mode the producer waits instead of refusing. What does that do to its callers during a long alarm?',
  answer:
    'Each caller waits (as in exercise 11) and holds its request open, for as long as the alarm lasts: memory ' +
    'and connections pile up in the producer, and callers time out on their side. `timeout` bounds that ' +
    'wait; `bounded` answers at once, so the caller can back off (exercise 16).',
  docker:
    'In the Docker stack (`--profile cluster`): `docker exec lab18-rabbit-2 rabbitmqctl set_vm_memory_high_watermark 0.0001`, and `0.4` after.',
} satisfies Exercise;
