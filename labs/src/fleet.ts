// The whole running lab as one fleet, for `npm run watch` and the browser view alike: every
// producer and consumer that `npm start`'s supervisor runs (GET SUPERVISOR_URL/status), each
// one's /status, the queue between them, what is downstream of the consumers, the autoscaler's
// decisions, the totals, and the hop that is full. Without a supervisor (the services started by
// hand, or Docker) the fleet is the one producer and one consumer at PRODUCER_URL and CONSUMER_URL.
// Rates are worked out here from the instances' running totals, over at least RATE_WINDOW_MS.
import { DownstreamWindow, type FleetDownstream } from './fleet-downstream';
import { getJson } from './get-json';
import type { ConsumerStatus, ProducerStatus, Urls } from './services';

const RATE_WINDOW_MS = 2000;
/** An instance the autoscaler started is marked "added" this long. */
const ADDED_NOTICE_MS = 15_000;
/** A hop is full from this share of its capacity on. */
export const FULL = 0.9;
/** Fewer waiting items than this (or than twice the consumers' slots) are no backlog. */
const BACKLOG_AT_LEAST = 10;

type Role = 'producer' | 'consumer';
type Differences = Record<string, { instance: unknown; role: unknown }>;

interface SupervisorStatus {
  instances: { role: Role | 'ui'; name: string; url: string; state: string; restarts: number; last_exit: { reason: string } | null }[];
  autoscaler: AutoscalerState;
  fleet?: Record<Role, { changed_from_defaults: Record<string, unknown>; instances_differing: Record<string, Differences> }>;
}

export interface AutoscalerState {
  enabled: boolean;
  depth?: number | null;
  consumers?: number;
  desired?: number;
  target_items_per_consumer?: number;
  min_consumers?: number;
  max_consumers?: number;
  decisions?: { at: string; from: number; to: number; depth: number; why: string }[];
}

export interface FleetInstance {
  role: Role;
  name: string;
  url: string;
  /** up, down (no answer), starting, restarting (after a crash), stopping (being removed). */
  state: string;
  restarts: number;
  lastExit?: string;
  /** Started by the autoscaler moments ago. */
  added?: boolean;
  /** Published or sent (producer), processed (consumer), so far and per second lately. */
  done?: number;
  perSecond?: number;
  /** Producer: items made per second lately, and refused so far. */
  producedPerSecond?: number;
  rejected?: number;
  /** Consumer: items per second it can finish, items in work now and at most. */
  capacity?: number;
  inFlight?: number;
  maxConcurrency?: number;
  processingMs?: number;
  p95WaitSeconds?: number | null;
  /** Settings where it differs from its role's (changed on its own port). */
  differs?: Differences;
}

export interface FleetQueue {
  backend: 'memory' | 'rabbitmq';
  /** Waiting items (the broker's ready ones), delivered but not yet acked (broker), and the limit. */
  waiting: number;
  unacked?: number;
  limit: number | null;
  /** On a RabbitMQ cluster: its nodes as the producer sees them, the queue's leader marked. */
  nodes?: { name: string; state: 'up' | 'down'; leader: boolean; alarm: boolean }[];
}

export interface FleetView {
  supervisorUrl?: string;
  instances: FleetInstance[];
  queue?: FleetQueue;
  /** The database behind the consumers, over every consumer that writes to it. */
  downstream?: FleetDownstream;
  autoscaler: AutoscalerState;
  totals: {
    producedPerSecond: number;
    sentPerSecond: number;
    processedPerSecond: number;
    capacity: number;
    inFlight: number;
    maxConcurrency: number;
  };
  /** The full hop: where the items pile up behind. */
  bottleneck?: { hop: 'consumers' | 'downstream'; why: string };
}

type AnyStatus = ProducerStatus & ConsumerStatus;

export class FleetWatch {
  private readonly samples = new Map<string, { at: number; done: number; produced: number }[]>();
  private readonly database = new DownstreamWindow(RATE_WINDOW_MS);
  private readonly firstSeen = new Map<string, number>();
  private started?: number;

  constructor(
    private readonly supervisorUrl: string,
    private readonly fallback?: Urls,
  ) {}

  /**
   * One look at every instance; undefined when no supervisor answers and there is no fallback.
   * `known`: the fallback's two /status answers when the caller has just read them (not asked twice).
   */
  async look(known?: { producer?: unknown; consumer?: unknown }): Promise<FleetView | undefined> {
    const supervisor = await getJson<SupervisorStatus>(`${this.supervisorUrl}/status`).catch(() => undefined);
    const managed = supervisor?.status === 200 && Array.isArray(supervisor.body.instances) ? supervisor.body : undefined;
    const fallback = this.fallback;
    if (!managed && !fallback) return undefined;
    const listed = managed
      ? managed.instances.flatMap((i) => (i.role === 'ui' ? [] : [{ ...i, role: i.role }]))
      : [
          { role: 'producer' as const, name: 'producer', url: fallback?.producer ?? '', state: 'up', restarts: 0, last_exit: null },
          { role: 'consumer' as const, name: 'consumer', url: fallback?.consumer ?? '', state: 'up', restarts: 0, last_exit: null },
        ];
    const at = performance.now();
    this.started ??= at;
    const started = this.started;
    const read = (i: (typeof listed)[number]) => {
      const given = managed ? undefined : known?.[i.role];
      if (!managed && known) return Promise.resolve(given === undefined ? undefined : { status: 200, body: given as AnyStatus });
      return getJson<AnyStatus>(`${i.url}/status`).catch(() => undefined);
    };
    const answers = await Promise.all(listed.map(read));
    const instances = listed.map((i, n): FleetInstance => {
      const row: FleetInstance = {
        role: i.role,
        name: i.name,
        url: i.url,
        state: i.state,
        restarts: i.restarts,
        lastExit: i.last_exit?.reason,
      };
      const firstSeen = this.firstSeen.get(i.name) ?? at;
      this.firstSeen.set(i.name, firstSeen);
      row.added = managed?.autoscaler.enabled && i.role === 'consumer' && firstSeen > started && at - firstSeen < ADDED_NOTICE_MS;
      row.differs = managed?.fleet?.[i.role]?.instances_differing[i.name];
      const answer = answers[n];
      if (answer?.status !== 200) {
        if (row.state === 'up') row.state = 'down';
        return row;
      }
      const s = answer.body;
      if (i.role === 'producer') {
        row.done = 'published' in s.accounting ? s.accounting.published : s.accounting.sent;
        row.rejected = s.accounting.rejected;
      } else {
        row.done = s.totals.processed;
        row.capacity = s.effective_max_throughput_per_s;
        row.inFlight = s.in_flight;
        row.maxConcurrency = s.max_concurrency;
        row.processingMs = s.processing.mean_ms;
        row.p95WaitSeconds = s.latency?.queue_wait_s.p95;
      }
      this.rates(row, row.done, at, s.accounting?.produced ?? 0);
      return row;
    });
    const answered = (role: Role) => answers.flatMap((a, n) => (listed[n]?.role === role && a?.status === 200 ? [a.body] : []));
    const producers = answered('producer');
    const databaseSections = new Map(
      answers.flatMap((a, n) => {
        const i = listed[n];
        const section = i?.role === 'consumer' && a?.status === 200 ? a.body.downstream : undefined;
        return i && section ? [[i.name, section] as const] : [];
      }),
    );
    const view: FleetView = {
      supervisorUrl: managed ? this.supervisorUrl : undefined,
      instances,
      queue: producers[0] && queueOf(producers[0]),
      downstream: this.database.look(databaseSections, at),
      autoscaler: managed?.autoscaler ?? { enabled: false },
      totals: totalsOf(instances),
    };
    view.bottleneck = bottleneckOf(view);
    return view;
  }

  /** Per second over the oldest kept look at least RATE_WINDOW_MS back (a restart resets the totals). */
  private rates(row: FleetInstance, done: number, at: number, produced: number): void {
    const kept = (this.samples.get(row.name) ?? []).filter((s) => s.done <= done && at - s.at <= 2 * RATE_WINDOW_MS);
    const now = { at, done, produced };
    kept.push(now);
    this.samples.set(row.name, kept);
    const base = kept.filter((s) => at - s.at >= RATE_WINDOW_MS).at(-1) ?? kept[0] ?? now;
    const seconds = (at - base.at) / 1000;
    if (seconds <= 0) return;
    row.perSecond = (done - base.done) / seconds;
    if (row.role === 'producer') row.producedPerSecond = Math.max(0, produced - base.produced) / seconds;
  }
}

function queueOf(p: AnyStatus): FleetQueue {
  const b = p.backend;
  // Admission's limit, or the broker's own (its policy's max-length) when admission has none.
  const limit = p.queue.limit ?? b.limits.max_items ?? null;
  if (b.kind === 'rabbitmq') {
    const queue: FleetQueue = { backend: 'rabbitmq', waiting: b.ready ?? b.depth, unacked: b.unacked, limit };
    const cluster = b.cluster;
    if (cluster && cluster.nodes.length > 1)
      queue.nodes = cluster.nodes.map((n) => ({
        name: n.name,
        state: n.state,
        leader: n.name === cluster.leader,
        alarm: n.memory_alarm || n.disk_alarm,
      }));
    return queue;
  }
  return { backend: 'memory', waiting: b.depth, limit };
}

function totalsOf(instances: FleetInstance[]): FleetView['totals'] {
  const sum = (role: Role, read: (i: FleetInstance) => number | undefined) =>
    instances.filter((i) => i.role === role).reduce((t, i) => t + (read(i) ?? 0), 0);
  return {
    producedPerSecond: sum('producer', (i) => i.producedPerSecond),
    sentPerSecond: sum('producer', (i) => i.perSecond),
    processedPerSecond: sum('consumer', (i) => i.perSecond),
    capacity: sum('consumer', (i) => (i.state === 'up' ? i.capacity : 0)),
    inFlight: sum('consumer', (i) => i.inFlight),
    maxConcurrency: sum('consumer', (i) => (i.state === 'up' ? i.maxConcurrency : 0)),
  };
}

/**
 * The furthest hop downstream that is full: the ones before it fill because of it. A queue at its
 * limit names the consumers behind it, which do not keep up (timers run late on a busy machine, so
 * their measured rate can stay below the capacity their settings promise).
 */
function bottleneckOf(view: FleetView): FleetView['bottleneck'] {
  const d = view.downstream;
  // The database is full when its connections were busy FULL of the last window. Before a window has
  // passed, when every connection is busy at this look and writes wait for one: every connection
  // busy at one instant alone comes by chance at half the load (2 connections, 52% busy, seen).
  if (d && (d.utilization === null ? d.full_hop === 'pool_connections' && d.waiting > 0 : d.utilization >= FULL)) {
    const busy =
      d.utilization === null ? `${d.busy} of ${d.size} connections busy` : `connections ${Math.round(d.utilization * 100)}% busy`;
    return { hop: 'downstream', why: `the database: ${busy}, ${d.waiting} writes waiting for one` };
  }
  const t = view.totals;
  const q = view.queue;
  const used = t.capacity > 0 ? t.processedPerSecond / t.capacity : 0;
  if (t.capacity > 0 && used >= FULL) return { hop: 'consumers', why: `consumers at ${Math.round(used * 100)}% of their capacity` };
  // Rates over 2 s are noisy: every slot busy while items wait says the same.
  if (t.maxConcurrency > 0 && t.inFlight >= FULL * t.maxConcurrency && (q?.waiting ?? 0) > 0)
    return { hop: 'consumers', why: `every consumer busy (${t.inFlight} of ${t.maxConcurrency} slots) while ${q?.waiting} items wait` };
  const rate = (n: number) => Math.round(n * 10) / 10;
  if (q && queueFull(q))
    return {
      hop: 'consumers',
      why: `the queue in front of the consumers is at its limit: they take ${rate(t.processedPerSecond)}/s, ${rate(t.producedPerSecond)}/s are made`,
    };
  // A backlog the consumers could not take at once even with every slot free: they are behind.
  if (q && q.waiting >= Math.max(BACKLOG_AT_LEAST, 2 * t.maxConcurrency))
    return { hop: 'consumers', why: `${q.waiting} items wait for the consumers: they take ${rate(t.processedPerSecond)}/s` };
  return undefined;
}

/** At 90% of its limit or more. */
export const queueFull = (q: FleetQueue) => q.limit !== null && q.limit > 0 && q.waiting + (q.unacked ?? 0) >= FULL * q.limit;
