// What the page's topology picture gets each second (the `fleet` event): the fleet (labs/src/fleet.ts)
// cut down to what the picture shows, numbers rounded, in plain words.
import type { FleetInstance, FleetView } from '../../labs/src/fleet';

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
    queue: view.queue,
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
