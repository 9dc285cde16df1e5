// Figure 5 — the rejection path (seed 000): POST /jobs under autocannon load while the queue is
// full (bounded, consumer paused) must answer 429 fast; and how many 202s per second the
// producer gives when there is room. Latency under a closed loop of N connections is about
// N / throughput (Little's law), so the connection count is part of the figure.
import { startLab, type Lab } from '../../test/helpers/services';
import { load } from '../load';
import type { Plan } from '../plan';
import { stopLab, withEventLoopDelay } from '../probe';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';

const P99_GOAL_MS = 5;

async function hammerJobs(plan: Plan, lab: Lab, expected: 202 | 429) {
  const runs: { perSecond: number; p50: number; p99: number; eld: number; other: number }[] = [];
  for (let run = 0; run < plan.runs; run++) {
    const { result, eventLoopDelayP99Ms } = await withEventLoopDelay(lab.producer, () =>
      load({ url: `${lab.producer.url}/jobs`, method: 'POST', body: '{}', connections: plan.rejection.connections, seconds: plan.rejection.windowSeconds }),
    );
    const latency = result.latency_by_status_ms[expected] ?? { p50: NaN, p99: NaN };
    runs.push({
      perSecond: (result.by_status[expected] ?? 0) / result.seconds,
      ...latency,
      eld: eventLoopDelayP99Ms,
      other: result.responses - (result.by_status[expected] ?? 0) + result.errors,
    });
    if (expected === 202) await lab.producer.post('/admin/clear-queue');
  }
  return runs;
}

function row(name: string, runs: Awaited<ReturnType<typeof hammerJobs>>, goal: string, met: boolean | null): Row {
  const m = (key: keyof (typeof runs)[number]) => median(runs.map((r) => r[key]));
  return {
    name,
    measured: `${Math.round(m('perSecond'))}/s, p50 ${round(m('p50'), 2)} ms, p99 ${round(m('p99'), 2)} ms`,
    goal,
    met,
    event_loop_delay_p99_ms: round(m('eld'), 2),
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
  try {
    await lab.producer.post('/produce', { count: maxQueueSize + 10 }); // full, and a few refused
    const full = await hammerJobs(plan, lab, 429);
    await lab.producer.post('/admin/config', { queue_mode: 'unbounded' });
    await lab.producer.post('/admin/clear-queue');
    const room = await hammerJobs(plan, lab, 202);
    const p99 = median(full.map((r) => r.p99));
    return {
      title: 'Rejection path',
      rows: [
        row(`POST /jobs, queue full → 429 (${connections} connections)`, full, `p99 < ${P99_GOAL_MS} ms`, p99 < P99_GOAL_MS),
        row(`POST /jobs, room → 202 (${connections} connections)`, room, '—', null),
      ],
      notes: [`bounded queue of ${maxQueueSize} filled, consumer paused; the 202 runs switch to unbounded and clear the queue after each run`],
    };
  } finally {
    await stopLab(lab);
  }
}
