// Figure 2 — delivery ceiling: items per second from producer to consumer when processing costs
// nothing (processing_time_ms 0), beside the ceiling of a bare node:http server on loopback
// driven by autocannon with the same request body: the physical limit of one request per item.
import { setTimeout as sleep } from 'node:timers/promises';
import { startLab, startScript, type Lab } from '../../test/helpers/services';
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

/** Producer and consumer set up for the ceiling: nothing is made unless asked, nothing takes time. */
export function startCeilingLab(plan: Plan, extraEnv: Record<string, string> = {}): Promise<Lab> {
  return startLab(
    { PRODUCTION_RATE: '0', SENDER_CONCURRENCY: String(plan.delivery.senders), ...extraEnv },
    { PROCESSING_TIME_MS: '0', MAX_CONCURRENCY: String(plan.delivery.consumerConcurrency), ...extraEnv },
  );
}

/**
 * Delivered items per second, one value per run: the queue is filled while the consumer is
 * paused, then it is resumed and `sent` is counted over the window after a short warm-up.
 */
export async function measureCeiling(plan: Plan, lab: Lab, fill: number, settings: Record<string, number>) {
  const configured = await lab.producer.post('/admin/config', settings);
  if (configured.status !== 200) throw new Error(`producer refused ${JSON.stringify(settings)}: ${JSON.stringify(configured.body)}`);
  const runs: { perSecond: number; eld: number; drainedEarly: boolean }[] = [];
  for (let run = 0; run < plan.runs; run++) {
    await lab.consumer.post('/admin/pause');
    await lab.producer.post('/produce', { count: fill });
    await lab.consumer.post('/admin/resume');
    await sleep(plan.delivery.warmupSeconds * 1000);
    const measured = await withEventLoopDelay(lab.producer, () => countPerSecond(lab.producer, 'sent', plan.delivery.windowSeconds));
    const drainedEarly = measured.result.end.queue.size === 0;
    runs.push({ perSecond: measured.result.perSecond, eld: measured.eventLoopDelayP99Ms, drainedEarly });
    await lab.producer.post('/admin/clear-queue');
  }
  return {
    perSecond: median(runs.map((r) => r.perSecond)),
    eld: median(runs.map((r) => r.eld)),
    runs: runs.map((r) => round(r.perSecond, 1)),
    drainedEarly: runs.some((r) => r.drainedEarly),
  };
}

async function bareCeiling(plan: Plan) {
  const bare = await startScript('bench/bare-server.js');
  try {
    const runs: number[] = [];
    for (let run = 0; run < plan.runs; run++) {
      const result = await load({
        url: `${bare.url}/process`,
        method: 'POST',
        body: ITEM_BODY,
        connections: plan.delivery.senders,
        seconds: plan.delivery.bareSeconds,
      });
      runs.push((result.by_status['200'] ?? 0) / result.seconds);
    }
    return { perSecond: median(runs), runs: runs.map((r) => round(r, 1)) };
  } finally {
    await bare.stop();
  }
}

export async function deliveryCeiling(plan: Plan): Promise<Figure & { singlePerSecond: number }> {
  const bare = await bareCeiling(plan);
  const lab = await startCeilingLab(plan);
  try {
    const { fill, batchFill, senders, batchSize, batchSenders } = plan.delivery;
    const single = await measureCeiling(plan, lab, fill, { send_batch_size: 1, sender_concurrency: senders });
    const batched = await measureCeiling(plan, lab, batchFill, { send_batch_size: batchSize, sender_concurrency: batchSenders });
    const row = (name: string, m: typeof single, batch: number): Row => {
      const ratio = m.perSecond / bare.perSecond;
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
      singlePerSecond: single.perSecond,
      rows: [
        {
          name: 'bare node:http (autocannon)',
          measured: `${Math.round(bare.perSecond)} requests/s`,
          goal: '—',
          met: null,
          event_loop_delay_p99_ms: null,
          values: { requests_per_second: round(bare.perSecond, 1), connections: plan.delivery.senders, runs: bare.runs },
        },
        row('delivery, one item per request', single, 1),
        row(`delivery, send_batch_size ${batchSize}`, batched, batchSize),
      ],
      notes: [
        `processing_time_ms 0, consumer max_concurrency ${plan.delivery.consumerConcurrency}, 1 KB payloads; sender_concurrency ${senders} one item per request, ${batchSenders} batched; bare server: the same body, ${senders} connections`,
      ],
    };
  } finally {
    await lab.stop();
  }
}
