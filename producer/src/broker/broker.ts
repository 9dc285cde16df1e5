// The producer's side of QUEUE_BACKEND=rabbitmq: the connection (kept up by AmqpLink), the queue
// the strategies publish into (broker-queue.ts), the policy that holds the limits (policy.ts), the
// dead-letter reader that counts what the broker dropped, expired or gave up (dead-letters.ts),
// the given-up items kept in RabbitMQ (given-up.ts), this producer's job outcomes (job-outcomes.ts),
// and the numbers only the broker knows (ready and unacked counts, ack rate, priorities, head age), polled.
//
// The limits must be in force before anything is published: a connection whose policy cannot be
// PUT (the management API is down) is not used — it is closed and tried again, and meanwhile
// every offer is refused as `broker_unavailable`. A producer is ready only when connected with
// its policy in force.
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { Counter, Histogram, type Registry } from 'prom-client';
import { AmqpLink, reconnectOnChannelClose } from '../../../common/src/amqp-link';
import { CONNECTION_NAME, declareTopology, ITEMS_QUEUE, type Topology } from '../../../common/src/broker-topology';
import type { QueueType } from '../../../common/src/env';
import { HttpError } from '../../../common/src/http';
import type { Logger } from '../../../common/src/logger';
import { RateWindow } from '../../../common/src/rate-window';
import type { ProducerSettings } from '../config';
import type { Ledger } from '../ledger';
import type { BackendStatus } from '../status-model';
import { BrokerBlock } from './broker-block';
import { registerBrokerGauges } from './broker-gauges';
import { BrokerQueue } from './broker-queue';
import { ClusterWatch } from './cluster-watch';
import { CONFIRM_OVERDUE_MS, ConfirmWatch } from './confirm-watch';
import { readDeadLetters } from './dead-letters';
import { GivenUpItems } from './given-up';
import { JobOutcomes } from './job-outcomes';
import { Management, type QueueCounts } from './management';
import { NackRun } from './nack-run';
import { brokerMaxLength, itemsPolicy, POLICY_SETTINGS } from './policy';
import { pollEvery } from './poll-every';
import { headAgeSeconds, readyByPriority } from './queue-figures';
import { quorumRefusal } from './quorum';

/** The ready count, for admission, /status and metrics (AMQP: exact at that moment). */
const DEPTH_POLL_MS = 100;
/**
 * The unacked count and the ack rate (management API). Its statistics refresh every second at
 * best and lag more for a queue that has gone idle, which is why the ready count comes from AMQP.
 */
const COUNTS_POLL_MS = 500;
const CONFIRM_WATCH_MS = 1000;
/** Publishes outstanding on the dead-letter channel. */
const DEAD_LETTER_PREFETCH = 100;

export interface BrokerOptions {
  /** One node's URL or a cluster's, comma-separated (the link moves to the next when one dies). */
  amqpUrl: string;
  managementUrl: string;
  queueType: QueueType;
  settings: () => ProducerSettings;
  ledger: Ledger;
  registry: Registry;
  logger: Logger;
}

export class Broker {
  readonly queue: BrokerQueue;
  readonly link: AmqpLink;
  /** The management API's last counts (`ready` there lags: use ready() for the depth). */
  counts: QueueCounts = { ready: 0, unacked: 0, acks: 0, readyHigh: 0 };
  readonly givenUp: GivenUpItems;
  readonly jobOutcomes: JobOutcomes;
  private topology: Topology = { priorities: true };
  /** Items in lab.given-up at the last poll (GET /dead-letters counts them exactly). */
  givenUpKept = 0;
  /** Acks per second over the last 5 s, from the broker's running total (its own rate is one noisy interval). */
  private readonly acked = new RateWindow(5);
  private countsPolled = false;
  publishNacks = 0;
  /** Publishes left unanswered by a lost connection and published again. */
  resends = 0;
  /** Our connection's state as the management API reports it (`flow`: credit flow throttles it). */
  connectionState: string | null = null;
  private readonly nackRun: NackRun;
  private readonly confirmWatch: ConfirmWatch;
  /** The broker's memory or disk alarm, from the connection and the management API. */
  readonly block = new BrokerBlock(() => this.queue.wake());
  private readonly management: Management;
  /** The cluster's nodes and the queue's leader (management API). */
  readonly cluster: ClusterWatch;
  private readonly nackCounter: Counter;
  private readonly resendCounter: Counter;
  private readonly answerTime: Histogram;
  private policy = { in_force: false, last_error: null as string | null };
  private countsError: string | null = null;
  private sideChannel?: ConfirmChannel;
  private readonly timers: NodeJS.Timeout[] = [];
  private pendingPolicy: Promise<void> = Promise.resolve();

  constructor(private readonly options: BrokerOptions) {
    const { settings, logger, registry } = options;
    this.management = new Management(options.managementUrl);
    this.cluster = new ClusterWatch(this.management, registry);
    this.givenUp = new GivenUpItems(this.management, () => settings().max_attempts);
    this.jobOutcomes = new JobOutcomes((outcome) => options.ledger.jobOutcome(outcome));
    this.queue = new BrokerQueue({
      outcomesQueue: this.jobOutcomes.queue,
      hardCap: () => brokerMaxLength(settings()),
      exactLimit: options.queueType === 'classic',
      maxAttempts: () => settings().max_attempts,
      onNack: () => {
        this.publishNacks++;
        this.nackCounter.inc();
      },
      onAnswer: (seconds, confirmed) => {
        this.answerTime.observe(seconds);
        this.nackRun.answered(confirmed);
      },
      onResend: () => {
        this.resends++;
        this.resendCounter.inc();
      },
      blocked: () => this.block.blocked,
    });
    this.link = new AmqpLink(
      options.amqpUrl,
      CONNECTION_NAME.producer,
      logger,
      (model) => this.setup(model),
      () => {
        this.queue.attach(undefined);
        this.givenUp.attach(undefined);
        this.sideChannel = undefined;
      },
    );
    this.link.on('blocked', (reason: string) => this.block.connectionBlocked(reason));
    this.link.on('unblocked', () => this.block.connectionBlocked(null));
    // Only a quorum queue has the bug NackRun works around; a classic queue's nacks are all reject-publish.
    this.nackRun = new NackRun(
      () => ({ ready: this.ready(), limit: options.queueType === 'quorum' ? brokerMaxLength(settings()) : 0 }),
      () => this.link.reconnect('a run of nacks with room in the queue (RabbitMQ 3.10 quorum-queue bug)'),
    );
    this.confirmWatch = new ConfirmWatch(
      () => this.queue.oldestUnanswered(),
      () => this.block.blocked,
      () => this.link.reconnect(`a publish unanswered for ${CONFIRM_OVERDUE_MS / 1000} s (RabbitMQ 3.10 quorum-queue fault)`),
    );
    const registers = [registry];
    this.resendCounter = new Counter({
      name: 'backpressure_broker_resends_total',
      help: 'Publishes a lost connection left unanswered, published again (same message id) on the next',
      registers,
    });
    const failovers = new Counter({
      name: 'backpressure_broker_failovers_total',
      help: 'Connections to the broker made after losing one (to another node of AMQP_URL, or the same back)',
      registers,
    });
    this.link.on('failover', () => failovers.inc());
    this.nackCounter = new Counter({
      name: 'backpressure_broker_publish_nacks_total',
      help: 'Publishes the broker refused (nack): its queue was at max-length with reject-publish',
      registers,
    });
    this.answerTime = new Histogram({
      name: 'backpressure_broker_confirm_duration_seconds',
      help: "Publish to the broker's answer (confirm or nack); a persistent message is confirmed once on disk",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    registerBrokerGauges(registry, {
      depth: () => this.ready(),
      unacked: () => this.counts.unacked,
      connected: () => this.link.connected,
      blocked: () => this.block.blocked,
      blockedSeconds: () => this.block.seconds(),
      flow: () => this.connectionState === 'flow',
    });
  }

  start(): void {
    this.link.start();
    this.timers.push(pollEvery(DEPTH_POLL_MS, () => this.pollDepth()));
    this.timers.push(pollEvery(COUNTS_POLL_MS, () => this.pollCounts()));
    this.timers.push(pollEvery(CONFIRM_WATCH_MS, async () => this.confirmWatch.check()));
  }

  /** Refuses settings the queue's type cannot honour (a 400 naming the setting). */
  validate(next: ProducerSettings): void {
    const refusal = quorumRefusal(next, this.options.queueType);
    if (refusal) throw new HttpError(400, `invalid ${refusal.field}: ${refusal.reason}`, { ...refusal });
  }

  /** Call after a settings change: PUTs the policy again when a setting behind it changed. */
  settingsChanged(changed: Partial<ProducerSettings>): void {
    if (POLICY_SETTINGS.some((key) => key in changed) && this.link.connected) this.pendingPolicy = this.applyPolicy();
  }

  /** Resolves once the latest policy change is in force (or failed: see describe()). */
  policyApplied(): Promise<void> {
    return this.pendingPolicy.catch(() => {});
  }

  /** POST /admin/clear-queue: purges the broker's ready messages (unacked ones stay with their consumers). */
  async clear(): Promise<number> {
    const channel = this.sideChannel;
    if (!channel) throw new Error('not connected to the broker');
    let purged = 0;
    await this.queue.depthFrom(async () => {
      purged = (await channel.purgeQueue(ITEMS_QUEUE)).messageCount;
      this.options.ledger.purged(purged);
      return 0; // nothing ready after a purge
    });
    return purged;
  }

  /**
   * Items per second the consumers ack lately: 0 when they ack nothing although items are ready,
   * Infinity when nothing waits and nothing was acked (no sign of a limit, as the dispatcher's
   * meter before its first send). Unlike that meter this is throughput, not capacity: the two
   * meet when the queue is not empty, which is when the adaptive limit matters.
   */
  drainRate(): number {
    const rate = this.acked.perSecond();
    if (rate > 0) return rate;
    return this.ready() > 0 ? 0 : Infinity;
  }

  /**
   * Ready messages in lab.items (polled over AMQP every 100 ms). While the broker blocks the
   * connection it answers nothing on it: the management API's count (seconds behind) instead.
   */
  ready(): number {
    return this.block.blocked ? this.counts.ready : this.queue.ready;
  }

  byPriority() {
    return readyByPriority(this.ready(), this.counts);
  }

  /** From this producer's publish log (exact at the last depth poll), else the broker's head timestamp. */
  oldestItemAgeSeconds(): number {
    return this.queue.log.oldestAgeSeconds() ?? headAgeSeconds(this.ready(), this.counts);
  }

  /** POST /admin/dead-letters/replay: up to `limit` given-up items back on lab.items, each counted. */
  replayGivenUp(limit: number) {
    return this.givenUp.replay(limit, () => this.options.ledger.replayedOne());
  }

  async check() {
    const ready = this.link.connected && this.policy.in_force;
    return { ready, broker: this.describeLink() };
  }

  /** The broker's own figures for GET /status `backend` (broker-backend.ts adds the shared ones). */
  describe() {
    const { connected, since, last_error, node, failovers } = this.link.state;
    return {
      ready: this.ready(),
      unacked: this.counts.unacked,
      acked_per_s: Math.round(this.acked.perSecond() * 100) / 100,
      connection: { connected, since, last_error, node, failovers, state: this.connectionState },
      queue: ITEMS_QUEUE,
      queue_type: this.options.queueType,
      publishing: this.queue.publishing,
      publish_nacks: this.publishNacks,
      resends: this.resends,
      channel_reopens: this.nackRun.reopens + this.confirmWatch.reopens,
      blocked: { blocked: this.block.blocked, reason: this.block.reason, seconds: Math.round(this.block.seconds() * 1000) / 1000 },
      cluster: this.cluster.view,
      priorities: this.topology.priorities,
      job_outcomes: { queue: this.jobOutcomes.queue, received: this.jobOutcomes.received },
      counts_error: this.countsError,
      policy: { ...this.policy, definition: itemsPolicy(this.options.settings(), this.options.queueType).definition },
    } satisfies Partial<BackendStatus>;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.queue.close();
    await this.link.close();
  }

  private describeLink() {
    const { connected, since, last_error } = this.link.state;
    return { backend: 'rabbitmq' as const, connected, since, last_error };
  }

  private async setup(model: ChannelModel): Promise<void> {
    const publishing = await model.createConfirmChannel();
    reconnectOnChannelClose(model, publishing);
    this.topology = await declareTopology(model, publishing, this.options.queueType);
    if (!this.topology.priorities && this.options.queueType === 'classic')
      this.options.logger.warn(`${ITEMS_QUEUE} holds items from a version without priorities: used without them`);
    await this.applyPolicy();
    const side = await model.createConfirmChannel();
    reconnectOnChannelClose(model, side);
    await side.prefetch(DEAD_LETTER_PREFETCH);
    await readDeadLetters(side, this.options.ledger);
    await this.jobOutcomes.consume(side);
    const replaying = await model.createConfirmChannel();
    reconnectOnChannelClose(model, replaying);
    this.sideChannel = side;
    this.givenUp.attach(replaying);
    this.queue.attach(publishing);
  }

  private async applyPolicy(): Promise<void> {
    try {
      await this.management.putPolicy(itemsPolicy(this.options.settings(), this.options.queueType));
      this.policy = { in_force: true, last_error: null };
    } catch (err) {
      this.policy = { in_force: false, last_error: (err as Error).message };
      this.options.logger.warn({ err: this.policy.last_error }, 'broker policy not applied');
      throw err;
    }
  }

  /** Polls the ready count now, outside the timer; a lost connection leaves the last count. */
  pollDepthNow(): Promise<void> {
    return this.pollDepth().catch(() => {});
  }

  private async pollDepth(): Promise<void> {
    const channel = this.sideChannel;
    if (!channel) return;
    await this.queue.depthFrom(async () => (await channel.checkQueue(ITEMS_QUEUE)).messageCount);
  }

  private async pollCounts(): Promise<void> {
    this.givenUpKept = await this.givenUp.count().catch(() => this.givenUpKept);
    try {
      const counts = await this.management.queueCounts();
      const newAcks = counts.acks - this.counts.acks;
      if (newAcks > 0 && this.countsPolled) this.acked.add(newAcks); // a smaller total: the broker restarted
      this.countsPolled = true;
      this.counts = counts;
      this.countsError = null;
    } catch (err) {
      this.countsError = (err as Error).message;
    }
    const port = this.link.state.local_port;
    this.connectionState = port && this.link.connected ? await this.management.connectionState(port).catch(() => null) : null;
    await this.cluster
      .poll()
      .then((nodes) =>
        this.block.nodeAlarms(
          nodes.filter((n) => n.state === 'up').map((n) => ({ node: n.name, memory: n.memory_alarm, disk: n.disk_alarm })),
        ),
      )
      .catch(() => {}); // no node answers: the connection tells
    // A policy change that failed is tried again while connected.
    if (!this.policy.in_force && this.link.connected) await this.applyPolicy().catch(() => {});
  }
}
