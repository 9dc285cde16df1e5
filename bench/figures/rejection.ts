// Figure 5 — the rejection path (seed 000): POST /jobs under autocannon load while the queue is
// full (bounded, consumer paused) must answer 429 fast; and how many 202s per second the
// producer gives when there is room. Latency under a closed loop of N connections is about
// N / throughput (Little's law), so the connection count is part of the figure. Beside it, the
// same load on the smallest Express app that answers 429: the floor the framework sets.
import { type Lab, startLab, startScript } from '../../test/helpers/services';
import { load } from '../load';
import type { Plan } from '../plan';
import { stopLab, withEventLoopDelay } from '../probe';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';

const P99_GOAL_MS = 5;

interface JobsRun {
  perSecond: number;
  p50: number;
  p99: number;
  eld: number;
  other: number;
}

/** One window of POST /jobs at `url` (the producer's, or the bare Express app's). */
async function jobsRun(plan: Plan, url: string, expected: 202 | 429) {
  const result = await load({
    url: `${url}/jobs`,
    method: 'POST',
    body: '{}',
    connections: plan.rejection.connections,
    seconds: plan.rejection.windowSeconds,
  });
  const latency = result.latency_by_status_ms[expected] ?? { p50: NaN, p99: NaN };
  return {
    perSecond: (result.by_status[expected] ?? 0) / result.seconds,
    ...latency,
    other: result.responses - (result.by_status[expected] ?? 0) + result.errors,
  };
}

async function producerRun(plan: Plan, lab: Lab, expected: 202 | 429): Promise<JobsRun> {
  const { result, eventLoopDelayP99Ms } = await withEventLoopDelay(lab.producer, () => jobsRun(plan, lab.producer.url, expected));
  if (expected === 202) await lab.producer.post('/admin/clear-queue');
  return { ...result, eld: eventLoopDelayP99Ms };
}

function row(name: string, runs: JobsRun[], goal: string, met: boolean | null): Row {
  const m = (key: keyof JobsRun) => median(runs.map((r) => r[key]));
  return {
    name,
    measured: `${Math.round(m('perSecond'))}/s, p50 ${round(m('p50'), 2)} ms, p99 ${round(m('p99'), 2)} ms`,
    goal,
    met,
    event_loop_delay_p99_ms: Number.isNaN(m('eld')) ? null : round(m('eld'), 2),
    values: {
      responses_per_second: round(m('perSecond'), 1),
      p50_ms: round(m('p50'), 3),
      p99_ms: round(m('p99'), 3),
      other_responses: runs.reduce((sum, r) => sum + r.other, 0),
      runs: runs.map((r) => ({ per_second: round(r.perSecond, 1), p99_ms: round(r.p99, 3) })),
    },
  };
}

export async function rejectionPath(plan: Plan): Promise<Figure> {
  const { maxQueueSize, connections } = plan.rejection;
  const lab = await startLab({ PRODUCTION_RATE: '0', QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: String(maxQueueSize) }, { PAUSED: 'true' });
  const bareExpress = await startScript('bench/bare-express.js');
  try {
    await lab.producer.post('/produce', { count: maxQueueSize + 10 }); // full, and a few refused
    const full: JobsRun[] = [];
    const bare: JobsRun[] = [];
    for (let run = 0; run < plan.runs; run++) {
      full.push(await producerRun(plan, lab, 429));
      bare.push({ ...(await jobsRun(plan, bareExpress.url, 429)), eld: NaN });
    }
    await lab.producer.post('/admin/config', { queue_mode: 'unbounded' });
    await lab.producer.post('/admin/clear-queue');
    const room: JobsRun[] = [];
    for (let run = 0; run < plan.runs; run++) room.push(await producerRun(plan, lab, 202));
    const p99 = median(full.map((r) => r.p99));
    return {
      title: 'Rejection path',
      rows: [
        row(`POST /jobs, queue full → 429 (${connections} connections)`, full, `p99 < ${P99_GOAL_MS} ms`, p99 < P99_GOAL_MS),
        row(`POST /jobs, room → 202 (${connections} connections)`, room, '—', null),
        row(`bare Express app answering 429 (${connections} connections)`, bare, '—', null),
      ],
      notes: [
        `bounded queue of ${maxQueueSize} filled, consumer paused; the 202 runs switch to unbounded and clear the queue after each run`,
        'bare Express app: bench/bare-express.ts, the framework alone (JSON body parser, one route), run in turn with the 429 runs',
      ],
    };
  } finally {
    await Promise.all([stopLab(lab), bareExpress.stop()]);
  }
}
