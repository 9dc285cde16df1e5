// Figure — goodput (docs/goodput.md), in one run of one producer and one consumer:
// - the cost of each queue discipline against FIFO: the producer's CPU per item it takes out of a
//   full queue (10,000 queued, consumer paused; then resumed and drained), disciplines alternating
//   run by run. CoDel with a target no item reaches (it decides at every take, drops nothing) and
//   adaptive LIFO always serving the newest (threshold 0), so each pays for its decision on every
//   item and the items drained are the same. Goal: under 10% more CPU per item than FIFO.
// - goodput at 1×, 1.5× and 2× the consumer's measured capacity for FIFO, CoDel and adaptive
//   LIFO: items processed within their 500 ms deadline per second, by the consumer's own count.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Lab, startLab, waitFor } from '../../test/helpers/services';
import { cpuWhile } from '../cpu';
import type { Plan } from '../plan';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';

const DISCIPLINES = {
  fifo: { queue_discipline: 'fifo' },
  codel: { queue_discipline: 'codel', codel_target_ms: 60_000 },
  adaptive_lifo: { queue_discipline: 'adaptive_lifo', lifo_queue_threshold: 0 },
} as const;
type Discipline = keyof typeof DISCIPLINES;
/** The disciplines at their defaults, for the goodput points (the cost runs use DISCIPLINES). */
const AT_DEFAULTS = { codel_target_ms: 5, codel_interval_ms: 100, lifo_queue_threshold: 10, lifo_age_ms: 100 };
const OVERHEAD_GOAL = 1.1;
const DEADLINE_MS = 500;
const LOADS = [1, 1.5, 2];
/** Quick mode (the bench's own test) checks that the figure is made: one load, short windows. */
const QUICK = { loads: [2], seconds: 1, warmupSeconds: 1 };

const warmupSeconds = (plan: Plan, seconds: number) => (plan.quick ? QUICK.warmupSeconds : Math.max(5, seconds));
const status = (lab: Lab, service: 'producer' | 'consumer') => lab[service].get(`/status`);

/** Producer CPU seconds per item drained from a full queue of `fill` items. */
async function drainCost(lab: Lab, discipline: Discipline, fill: number): Promise<number> {
  await lab.producer.post('/admin/config', { production_rate: 0, max_item_age_ms: 0, ...DISCIPLINES[discipline] });
  await lab.consumer.post('/admin/pause', {});
  await lab.producer.post('/produce', { count: fill });
  const pid = (await status(lab, 'producer')).process.pid as number;
  const { cpu } = await cpuWhile([pid], async () => {
    await lab.consumer.post('/admin/resume', {});
    await waitFor(async () => {
      const s = await status(lab, 'producer');
      return s.queue.size === 0 && s.accounting.in_flight === 0;
    }, 120_000);
  });
  return cpu[0]! / fill;
}

/** The consumer's processed and in-deadline counts now. */
async function counts(lab: Lab) {
  const c = await status(lab, 'consumer');
  return { processed: c.totals.processed as number, good: c.goodput.processed_in_deadline as number };
}

/** Items/s processed and processed within their deadline, at `rate` items/s made, over `seconds`. */
async function goodputAt(plan: Plan, lab: Lab, discipline: Discipline, rate: number, seconds: number) {
  const settings = { ...AT_DEFAULTS, queue_discipline: discipline };
  await lab.producer.post('/admin/config', { production_rate: 0 });
  await lab.producer.post('/admin/clear-queue');
  await lab.producer.post('/admin/config', { ...settings, max_item_age_ms: DEADLINE_MS, production_rate: rate });
  // The queue reaches its steady state: CoDel takes longest. Its control law needs ~200 drops before
  // it drops 150/s (interval / √count), about 3 s of growing queue at 2× a 150/s capacity.
  await sleep(warmupSeconds(plan, seconds) * 1000);
  const before = await counts(lab);
  await sleep(seconds * 1000);
  const after = await counts(lab);
  return { throughput: (after.processed - before.processed) / seconds, goodput: (after.good - before.good) / seconds };
}

export async function goodputFigure(plan: Plan): Promise<Figure> {
  const lab = await startLab({ PRODUCTION_RATE: '0', SENDER_CONCURRENCY: '4' }, { PROCESSING_TIME_MS: '100', MAX_CONCURRENCY: '4' });
  try {
    const fill = plan.quick ? 2000 : 10_000;
    const cost: Record<Discipline, number[]> = { fifo: [], codel: [], adaptive_lifo: [] };
    await lab.consumer.post('/admin/config', { processing_time_ms: 0, max_concurrency: 64 });
    await drainCost(lab, 'fifo', fill); // warm-up, not counted: the first drain also pays for the JIT
    for (let run = 0; run < plan.runs; run++)
      for (const d of Object.keys(DISCIPLINES) as Discipline[]) cost[d].push(await drainCost(lab, d, fill));
    const fifoCost = median(cost.fifo);
    const rows: Row[] = (['codel', 'adaptive_lifo'] as const).map((d) => {
      const ratio = median(cost[d]) / fifoCost;
      return {
        name: `CPU per item, ${d} against fifo`,
        measured: `${round(median(cost[d]) * 1e6, 1)} µs = ${round(ratio, 3)} × fifo (${round(fifoCost * 1e6, 1)} µs)`,
        goal: `≤ ${OVERHEAD_GOAL} ×`,
        met: ratio <= OVERHEAD_GOAL,
        event_loop_delay_p99_ms: null,
        values: {
          ratio: round(ratio, 3),
          cpu_us_per_item: round(median(cost[d]) * 1e6, 2),
          fifo_cpu_us_per_item: round(fifoCost * 1e6, 2),
          runs: cost[d],
          fifo_runs: cost.fifo,
        },
      };
    });

    // Goodput: the consumer back to 100 ms an item on 4 slots (40/s: its timers, not this machine's
    // CPU, set its capacity), measured with a full queue.
    await lab.consumer.post('/admin/config', { processing_time_ms: 100, max_concurrency: 4 });
    const seconds = plan.quick ? QUICK.seconds : 10;
    const capacity = (await goodputAt(plan, lab, 'fifo', 1000, seconds)).throughput;
    for (const load of plan.quick ? QUICK.loads : LOADS) {
      const results: Partial<Record<Discipline, { throughput: number; goodput: number }>> = {};
      for (const d of Object.keys(DISCIPLINES) as Discipline[])
        results[d] = await goodputAt(plan, lab, d, Math.round(load * capacity), seconds);
      rows.push({
        name: `goodput at ${load}× capacity (${Math.round(load * capacity)}/s made, ${DEADLINE_MS} ms deadline)`,
        measured: (Object.keys(results) as Discipline[])
          .map((d) => `${d} ${Math.round(results[d]!.goodput)}/s of ${Math.round(results[d]!.throughput)}/s`)
          .join(', '),
        goal: '—',
        met: null,
        event_loop_delay_p99_ms: null,
        values: { load, capacity_per_s: round(capacity, 1), ...results },
      });
    }
    await lab.producer.post('/admin/config', { production_rate: 0 });
    return {
      title: 'Goodput and queue disciplines',
      rows,
      notes: [
        `CPU: the producer's CPU (utime + stime) while it drains ${fill} queued items to a consumer that takes 64 at once in 0 ms; CoDel with a target no item reaches, adaptive LIFO always newest-first`,
        `goodput: consumer 100 ms an item, 4 at once; capacity measured first (${round(capacity, 1)}/s); each point after ${warmupSeconds(plan, seconds)} s of warm-up, over ${seconds} s`,
      ],
    };
  } finally {
    await lab.stop();
  }
}
