// What the page's topology picture gets each second (the `fleet` event): the fleet (labs/src/fleet.ts)
// cut down to what the picture shows, numbers rounded, in plain words.
import { type FleetInstance, type FleetView, queueFull } from '../../labs/src/fleet';
import { CHART_COLUMNS, type ChartPoint } from './frame';

const round = (n: number | undefined | null, digits = 2) =>
  n === undefined || n === null || !Number.isFinite(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits;

function instanceOf(i: FleetInstance) {
  return {
    role: i.role,
    name: i.name,
    state: i.state,
    added: i.added || undefined,
    restarts: i.restarts || undefined,
    last_exit: i.lastExit,
    rate: round(i.perSecond),
    done: i.done ?? null,
    produced_rate: i.role === 'producer' ? round(i.producedPerSecond) : undefined,
    rejected: i.rejected,
    capacity: round(i.capacity),
    in_flight: i.inFlight,
    max_concurrency: i.maxConcurrency,
    processing_ms: round(i.processingMs, 1),
    p95_wait_s: round(i.p95WaitSeconds, 3),
    differs: i.differs && Object.entries(i.differs).map(([setting, d]) => `${setting} ${d.instance} (its role: ${d.role})`),
  };
}

export function fleetFrame(view: FleetView) {
  const t = view.totals;
  const a = view.autoscaler;
  return {
    time: Date.now(),
    supervised: view.supervisorUrl !== undefined,
    instances: view.instances.map(instanceOf),
    queue: view.queue && { ...view.queue, full: queueFull(view.queue) },
    downstream: view.downstream,
    totals: {
      produced_rate: round(t.producedPerSecond),
      sent_rate: round(t.sentPerSecond),
      processed_rate: round(t.processedPerSecond),
      capacity: round(t.capacity),
      in_flight: t.inFlight,
      max_concurrency: t.maxConcurrency,
    },
    bottleneck: view.bottleneck,
    autoscaler: a.enabled
      ? {
          consumers: a.consumers,
          desired: a.desired,
          min: a.min_consumers,
          max: a.max_consumers,
          target: a.target_items_per_consumer,
          depth: a.depth,
          decisions: a.decisions ?? [],
        }
      : undefined,
  };
}

export type FleetFrame = ReturnType<typeof fleetFrame>;

/** More than one producer or consumer: the page's totals must be the fleet's, not instance 1's. */
export const isSeveral = (view: FleetView) =>
  view.instances.filter((i) => i.role === 'producer').length > 1 || view.instances.filter((i) => i.role === 'consumer').length > 1;

/** The throughput chart's rates as the fleet's totals (the point is otherwise the first producer's and consumer's). */
export function withFleetTotals(point: ChartPoint, view: FleetView): ChartPoint {
  const t = view.totals;
  const totals: Partial<Record<(typeof CHART_COLUMNS)[number], number | null>> = {
    produced: round(t.producedPerSecond),
    sent: round(t.sentPerSecond),
    processed: round(t.processedPerSecond),
    capacity: round(t.capacity),
  };
  return point.map((value, n) => {
    const column = CHART_COLUMNS[n];
    return column !== undefined && column in totals ? (totals[column] ?? null) : value;
  });
}
