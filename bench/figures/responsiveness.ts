// Figure 4 — responsiveness under load: GET /status and GET /metrics latency while a million
// 1 KB items are queued (consumer paused) and the generator adds 5,000 more per second. A
// dashboard-like poller: one connection at a fixed request rate, bounded in time.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Lab, startLab } from '../../test/helpers/services';
import { load } from '../load';
import type { Plan } from '../plan';
import { stopLab, withEventLoopDelay } from '../probe';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';

const P99_GOAL_MS = 20;
const HEAP_MB = 4096;

async function latencyRow(plan: Plan, lab: Lab, route: '/status' | '/metrics'): Promise<Row> {
  const runs: { p50: number; p99: number; eld: number | null }[] = [];
  for (let run = 0; run < plan.runs; run++) {
    const poll = () =>
      load({
        url: lab.producer.url + route,
        connections: 1,
        rate: plan.responsiveness.requestsPerSecond,
        seconds: plan.responsiveness.windowSeconds,
      });
    // Every /metrics scrape resets prom-client's event-loop histogram: only /status runs can be bracketed.
    const measured =
      route === '/status' ? await withEventLoopDelay(lab.producer, poll) : { result: await poll(), eventLoopDelayP99Ms: null };
    runs.push({
      ...measured.result.latency_ms,
      eld: measured.eventLoopDelayP99Ms === null ? null : round(measured.eventLoopDelayP99Ms, 2),
    });
  }
  const p50 = median(runs.map((r) => r.p50));
  const p99 = median(runs.map((r) => r.p99));
  const eld = route === '/status' ? round(median(runs.map((r) => r.eld!)), 2) : null;
  return {
    name: `GET ${route}, ${plan.responsiveness.queued.toLocaleString('en')} queued + ${plan.responsiveness.generatorRate}/s`,
    measured: `p50 ${round(p50, 2)} ms, p99 ${round(p99, 2)} ms`,
    goal: `p99 < ${P99_GOAL_MS} ms`,
    met: p99 < P99_GOAL_MS,
    event_loop_delay_p99_ms: eld,
    values: { p50_ms: round(p50, 3), p99_ms: round(p99, 3), requests_per_second: plan.responsiveness.requestsPerSecond, runs },
  };
}

export async function responsiveness(plan: Plan): Promise<Figure> {
  const lab = await startLab({ PRODUCTION_RATE: '0', MEMORY_LIMIT_MB: String(HEAP_MB) }, { PAUSED: 'true' });
  try {
    const burst = await lab.producer.post('/produce', { count: plan.responsiveness.queued });
    if (burst.body?.queued !== plan.responsiveness.queued) throw new Error(`/produce: ${JSON.stringify(burst.body)}`);
    await lab.producer.post('/admin/config', { production_rate: plan.responsiveness.generatorRate });
    await sleep(plan.quick ? 200 : 1000);
    const rows = [await latencyRow(plan, lab, '/status'), await latencyRow(plan, lab, '/metrics')];
    const metricsBytes = (await (await fetch(`${lab.producer.url}/metrics`)).text()).length;
    return {
      title: 'Responsiveness under load',
      rows,
      notes: [
        `one connection polling at ${plan.responsiveness.requestsPerSecond} requests/s for ${plan.responsiveness.windowSeconds} s per run; /metrics is ${metricsBytes} bytes`,
        'event-loop delay is bracketed by /metrics scrapes, which reset it: shown for the /status runs; a /metrics scrape blocks the loop for about its own latency',
      ],
    };
  } finally {
    await stopLab(lab);
  }
}
