// Figure 2 — delivery ceiling: items per second from producer to consumer when processing costs
// nothing (processing_time_ms 0), beside the ceiling of a bare node:http server on loopback
// driven by autocannon with the same request body: the physical limit of one request per item.
// Each round measures all three one after another, so that a busy machine weighs on all alike.
import { setTimeout as sleep } from 'node:timers/promises';
import { startLab, startScript, type Lab, type Service } from '../../test/helpers/services';
import { load } from '../load';
import type { Plan } from '../plan';
import { countPerSecond, withEventLoopDelay } from '../probe';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';

/** A request body like the producer's for one item with the default 1 KB payload. */
const ITEM_BODY = JSON.stringify({
  id: '0b6f3c1e-8a57-4d2c-9a8e-3f1d2b4c5a6e',
  created_at: Date.now(),
  priority: 'normal',
  attempt: 1,
  payload: 'x'.repeat(1024),
});

export interface CeilingRun {
  perSecond: number;
  eld: number;
  /** The queue was empty at the end of the window: the figure is too low, fill more. */
  drainedEarly: boolean;
}

/** Producer and consumer set up for the ceiling: nothing is made unless asked, nothing takes time. */
export function startCeilingLab(plan: Plan, extraEnv: Record<string, string> = {}): Promise<Lab> {
  return startLab(
    { PRODUCTION_RATE: '0', ...extraEnv },
    { PROCESSING_TIME_MS: '0', MAX_CONCURRENCY: String(plan.delivery.consumerConcurrency), ...extraEnv },
  );
}

/**
 * One run: the queue is filled with `fill` items while the consumer is paused, then it is
 * resumed and `sent` is counted over the window after a short warm-up.
 */
export async function ceilingRun(plan: Plan, lab: Lab, fill: number, settings: Record<string, number>): Promise<CeilingRun> {
  const configured = await lab.producer.post('/admin/config', settings);
  if (configured.status !== 200) throw new Error(`producer refused ${JSON.stringify(settings)}: ${JSON.stringify(configured.body)}`);
  await lab.consumer.post('/admin/pause');
  await lab.producer.post('/produce', { count: fill });
  await lab.consumer.post('/admin/resume');
  await sleep(plan.delivery.warmupSeconds * 1000);
  const measured = await withEventLoopDelay(lab.producer, () => countPerSecond(lab.producer, 'sent', plan.delivery.windowSeconds));
  await lab.producer.post('/admin/clear-queue');
  return { perSecond: measured.result.perSecond, eld: measured.eventLoopDelayP99Ms, drainedEarly: measured.result.end.queue.size === 0 };
}

export function summarize(runs: CeilingRun[]) {
  return {
    perSecond: median(runs.map((r) => r.perSecond)),
    eld: median(runs.map((r) => r.eld)),
    runs: runs.map((r) => round(r.perSecond, 1)),
    drainedEarly: runs.some((r) => r.drainedEarly),
  };
}

async function bareRun(plan: Plan, bare: Service): Promise<number> {
  const result = await load({
    url: `${bare.url}/process`,
    method: 'POST',
    body: ITEM_BODY,
    connections: plan.delivery.senders,
    seconds: plan.delivery.bareSeconds,
  });
  return (result.by_status['200'] ?? 0) / result.seconds;
}

export async function deliveryCeiling(plan: Plan): Promise<Figure> {
  const { fill, batchFill, senders, batchSize, batchSenders } = plan.delivery;
  const bare = await startScript('bench/bare-server.js');
  const lab = await startCeilingLab(plan);
  try {
    const bareRuns: number[] = [];
    const singleRuns: CeilingRun[] = [];
    const batchedRuns: CeilingRun[] = [];
    for (let run = 0; run < plan.runs; run++) {
      bareRuns.push(await bareRun(plan, bare));
      singleRuns.push(await ceilingRun(plan, lab, fill, { send_batch_size: 1, sender_concurrency: senders }));
      batchedRuns.push(await ceilingRun(plan, lab, batchFill, { send_batch_size: batchSize, sender_concurrency: batchSenders }));
    }
    const bareMedian = median(bareRuns);
    const row = (name: string, m: ReturnType<typeof summarize>, batch: number): Row => {
      const ratio = m.perSecond / bareMedian;
      return {
        name,
        measured: `${Math.round(m.perSecond)}/s = ${round(ratio, 2)} × bare${m.drainedEarly ? ' (queue ran dry: more)' : ''}`,
        goal: '≥ 0.5 × bare',
        met: ratio >= 0.5,
        event_loop_delay_p99_ms: round(m.eld, 2),
        values: { items_per_second: round(m.perSecond, 1), ratio_to_bare: round(ratio, 3), send_batch_size: batch, runs: m.runs },
      };
    };
    return {
      title: 'Delivery ceiling',
      rows: [
        {
          name: 'bare node:http (autocannon)',
          measured: `${Math.round(bareMedian)} requests/s`,
          goal: '—',
          met: null,
          event_loop_delay_p99_ms: null,
          values: { requests_per_second: round(bareMedian, 1), connections: senders, runs: bareRuns.map((r) => round(r, 1)) },
        },
        row('delivery, one item per request', summarize(singleRuns), 1),
        row(`delivery, send_batch_size ${batchSize}`, summarize(batchedRuns), batchSize),
      ],
      notes: [
        `processing_time_ms 0, consumer max_concurrency ${plan.delivery.consumerConcurrency}, 1 KB payloads; sender_concurrency ${senders} one item per request, ${batchSenders} batched; bare server: the same body, ${senders} connections`,
      ],
    };
  } finally {
    await Promise.all([lab.stop(), bare.stop()]);
  }
}
