// Figure 2 — delivery: items per second from producer to consumer when processing costs nothing
// (processing_time_ms 0), and the CPU each item costs both processes, beside two transport floors
// measured in the same rounds with the same request body, each as two processes:
// - the bare pair: a node:http keep-alive client and a node:http server that reads the body;
// - the express + axios pair: the producer's own axios client and the smallest Express app with
//   a JSON body parser (nothing else of the lab).
// Each at the lab's default 2 in flight (2 senders, 2 consumer slots) and saturated. Ratios
// separate what the stack costs (express + axios ÷ bare) from what the lab adds (lab ÷ express +
// axios). Each round measures everything one after another, so a busy machine weighs on all alike.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Lab, type Service, startLab, startScript } from '../../test/helpers/services';
import { runPairClient } from '../client-run';
import { cpuWhile } from '../cpu';
import type { Plan } from '../plan';
import { countPerSecond, withEventLoopDelay } from '../probe';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';

/** The lab at its defaults must deliver at least this share of the bare pair at the same in-flight count. */
const GOAL_SHARE_OF_BARE = 0.5;

export interface CeilingRun {
  perSecond: number;
  /** CPU of both processes per delivered item, in ms. */
  cpuMsPerItem: number;
  eld: number;
  /** The queue was empty at the end of the window: the figure is too low, fill more. */
  drainedEarly: boolean;
}

/** Producer and consumer set up for the ceiling: nothing is made unless asked, nothing takes time. */
export function startCeilingLab(extraEnv: Record<string, string> = {}): Promise<Lab> {
  return startLab({ PRODUCTION_RATE: '0', ...extraEnv }, { PROCESSING_TIME_MS: '0', ...extraEnv });
}

/** How a ceiling run sends: producer settings, and the consumer's concurrency to match them. */
export interface Sending {
  send_batch_size: number;
  sender_concurrency: number;
  consumer_max_concurrency: number;
}

/**
 * One run: the queue is filled with `fill` items while the consumer is paused, then it is
 * resumed and `sent` is counted over the window after a short warm-up, with the CPU both
 * processes used meanwhile (/proc/<pid>/stat).
 */
export async function ceilingRun(plan: Plan, lab: Lab, fill: number, sending: Sending): Promise<CeilingRun> {
  const { consumer_max_concurrency, ...settings } = sending;
  const configured = await lab.producer.post('/admin/config', settings);
  if (configured.status !== 200) throw new Error(`producer refused ${JSON.stringify(settings)}: ${JSON.stringify(configured.body)}`);
  await lab.consumer.post('/admin/config', { max_concurrency: consumer_max_concurrency, paused: true });
  await lab.producer.post('/produce', { count: fill });
  await lab.consumer.post('/admin/resume');
  await sleep(plan.delivery.warmupSeconds * 1000);
  const pids = [lab.producer.child.pid!, lab.consumer.child.pid!];
  const measured = await cpuWhile(pids, () =>
    withEventLoopDelay(lab.producer, () => countPerSecond(lab.producer, 'sent', plan.delivery.windowSeconds)),
  );
  await lab.producer.post('/admin/clear-queue');
  const { perSecond, end } = measured.result.result;
  const cpu = measured.cpu[0]! + measured.cpu[1]!;
  return {
    perSecond,
    cpuMsPerItem: (cpu * 1000) / (perSecond * measured.seconds),
    eld: measured.result.eventLoopDelayP99Ms,
    drainedEarly: end.queue.size === 0,
  };
}

export function summarize(runs: CeilingRun[]) {
  return {
    perSecond: median(runs.map((r) => r.perSecond)),
    cpuMsPerItem: median(runs.map((r) => r.cpuMsPerItem)),
    eld: median(runs.map((r) => r.eld)),
    runs: runs.map((r) => round(r.perSecond, 1)),
    drainedEarly: runs.some((r) => r.drainedEarly),
  };
}

interface PairRun {
  perSecond: number;
  cpuMsPerItem: number;
}

/** One window of a transport floor: bench/pair-client.ts against `server`, both processes' CPU counted. */
async function pairRun(plan: Plan, server: Service, client: 'http' | 'axios', inFlight: number): Promise<PairRun> {
  const { warmupSeconds, windowSeconds } = plan.delivery;
  const r = await runPairClient({
    targetUrl: server.url,
    client,
    inFlight,
    warmupSeconds,
    seconds: windowSeconds,
    serverPid: server.child.pid,
  });
  return { perSecond: r.answered / r.seconds, cpuMsPerItem: ((r.cpuSeconds + r.serverCpuSeconds) * 1000) / r.answered };
}

const pairSummary = (runs: PairRun[]) => ({
  perSecond: median(runs.map((r) => r.perSecond)),
  cpuMsPerItem: median(runs.map((r) => r.cpuMsPerItem)),
  runs: runs.map((r) => round(r.perSecond, 1)),
});

type Measured = { perSecond: number; cpuMsPerItem: number; runs: number[] };

const cost = (m: Measured) => `${Math.round(m.perSecond)}/s, ${round(m.cpuMsPerItem, 3)} ms CPU/item`;
/** "0.31 × bare": the throughput ratio, then the CPU-per-item ratio. */
const ratios = (m: Measured, base: Measured, name: string) =>
  `${round(m.perSecond / base.perSecond, 2)} × ${name} items/s, ${round(m.cpuMsPerItem / base.cpuMsPerItem, 2)} × its CPU/item`;

export async function deliveryCeiling(plan: Plan): Promise<Figure> {
  const { fill, batchFill, inFlight, batchSize, batchSenders } = plan.delivery;
  const bare = await startScript('bench/bare-server.js');
  const express = await startScript('bench/bare-express.js');
  const lab = await startCeilingLab();
  try {
    const rows: Row[] = [];
    for (const n of inFlight) {
      const bareRuns: PairRun[] = [];
      const stackRuns: PairRun[] = [];
      const labRuns: CeilingRun[] = [];
      const sending = { send_batch_size: 1, sender_concurrency: n, consumer_max_concurrency: n };
      for (let run = 0; run < plan.runs; run++) {
        bareRuns.push(await pairRun(plan, bare, 'http', n));
        stackRuns.push(await pairRun(plan, express, 'axios', n));
        labRuns.push(await ceilingRun(plan, lab, fill, sending));
      }
      const [b, s, l] = [pairSummary(bareRuns), pairSummary(stackRuns), summarize(labRuns)];
      const share = l.perSecond / b.perSecond;
      const label = n === 2 ? '2 in flight (the defaults)' : `${n} in flight`;
      rows.push(
        {
          name: `bare node:http pair, ${label}`,
          measured: cost(b),
          goal: '—',
          met: null,
          event_loop_delay_p99_ms: null,
          values: { in_flight: n, items_per_second: round(b.perSecond, 1), cpu_ms_per_item: round(b.cpuMsPerItem, 4), runs: b.runs },
        },
        {
          name: `express + axios pair, ${label}`,
          measured: `${cost(s)} = ${ratios(s, b, 'bare')}`,
          goal: '—',
          met: null,
          event_loop_delay_p99_ms: null,
          values: {
            in_flight: n,
            items_per_second: round(s.perSecond, 1),
            cpu_ms_per_item: round(s.cpuMsPerItem, 4),
            ratio_to_bare: round(s.perSecond / b.perSecond, 3),
            cpu_ratio_to_bare: round(s.cpuMsPerItem / b.cpuMsPerItem, 3),
            runs: s.runs,
          },
        },
        {
          name: `lab delivery, ${label}`,
          measured:
            `${cost(l)} = ${ratios(l, b, 'bare')}; = ${ratios(l, s, 'express + axios')}` +
            (l.drainedEarly ? ' (queue ran dry: fill more)' : ''),
          goal: n === 2 ? `≥ ${GOAL_SHARE_OF_BARE} × bare` : '—',
          met: n === 2 ? share >= GOAL_SHARE_OF_BARE : null,
          event_loop_delay_p99_ms: round(l.eld, 2),
          values: {
            in_flight: n,
            items_per_second: round(l.perSecond, 1),
            cpu_ms_per_item: round(l.cpuMsPerItem, 4),
            ratio_to_bare: round(share, 3),
            cpu_ratio_to_bare: round(l.cpuMsPerItem / b.cpuMsPerItem, 3),
            ratio_to_express_axios: round(l.perSecond / s.perSecond, 3),
            cpu_ratio_to_express_axios: round(l.cpuMsPerItem / s.cpuMsPerItem, 3),
            runs: l.runs,
          },
        },
      );
    }
    const batchRuns: CeilingRun[] = [];
    const batched = { send_batch_size: batchSize, sender_concurrency: batchSenders, consumer_max_concurrency: batchSize * batchSenders };
    for (let run = 0; run < plan.runs; run++) batchRuns.push(await ceilingRun(plan, lab, batchFill, batched));
    const m = summarize(batchRuns);
    rows.push({
      name: `lab delivery, send_batch_size ${batchSize}, ${batchSenders} senders`,
      measured: cost(m) + (m.drainedEarly ? ' (queue ran dry: fill more)' : ''),
      goal: '—',
      met: null,
      event_loop_delay_p99_ms: round(m.eld, 2),
      values: {
        items_per_second: round(m.perSecond, 1),
        cpu_ms_per_item: round(m.cpuMsPerItem, 4),
        send_batch_size: batchSize,
        runs: m.runs,
      },
    });
    return {
      title: 'Delivery',
      rows,
      notes: [
        "processing_time_ms 0, 1 KB payloads, one item per request unless batched; every pair is two processes on 127.0.0.1; CPU per item is both processes' user + system time (/proc/<pid>/stat) over the window ÷ items",
        "bare pair: bench/pair-client.ts (node:http, keep-alive) → bench/bare-server.ts; express + axios pair: the producer's ConsumerClient (axios) → bench/bare-express.ts (express.json, one route)",
        '"× bare" is what the stack and the lab cost against the bare pair; "× express + axios" is what the lab adds to its own stack',
      ],
    };
  } finally {
    await Promise.all([lab.stop(), bare.stop(), express.stop()]);
  }
}
