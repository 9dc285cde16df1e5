// Figure — a big burst, as a learner makes one: POST /produce queues 100,000 1 KB items (consumer
// paused), queue_mode is switched through every mode with them queued, then clear-queue empties
// it. Measured:
// - the slowest GET /status (one connection polling every 10 ms, like a fast dashboard) in each
//   phase, beside the longest garbage-collection pause in the same window, read from the
//   producer's --trace-gc output: what bounds the stall;
// - the heap and RSS before, with the items queued, and after the clear; on the last run also
//   how long RSS takes to come back (V8's memory reducer gives back the rest of the heap's pages
//   some seconds after the process goes quiet).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Service, startService } from '../../test/helpers/services';
import type { Plan } from '../plan';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';

const STALL_GOAL_MS = 50;
/** The heap after a clear is back to where it started, give or take this much. */
const HEAP_BACK_MB = 10;
const POLL_GAP_MS = 10;
const MODES = ['bounded', 'rate_limited', 'block', 'timeout', 'sample', 'adaptive', 'unbounded'];

interface Phase {
  slowestMs: number;
  polls: number;
  longestGcMs: number;
  longestGcKind: string;
}

/** A --trace-gc line: "[pid:0x…]  1642 ms: Mark-Compact 48.9 (72.5) -> 43.9 (79.1) MB, 29.24 / 0.03 ms …". */
const GC_LINE = /ms: ([A-Za-z -]+?(?: \(reduce\))?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, ([\d.]+) \//;

function longestGc(lines: string[]): { ms: number; kind: string } {
  let longest = { ms: 0, kind: 'none' };
  for (const line of lines) {
    const match = GC_LINE.exec(line);
    if (match && Number(match[2]) > longest.ms) longest = { ms: Number(match[2]), kind: match[1]! };
  }
  return longest;
}

/** Polls /status every POLL_GAP_MS over one keep-alive connection while `work` runs (and `afterMs` more). */
async function pollDuring(producer: Service, work: () => Promise<unknown>, afterMs: number): Promise<Phase> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      http
        .get(`${producer.url}/status`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(performance.now() - started));
        })
        .on('error', reject);
    });
  const firstLine = producer.output.length;
  let running = true;
  const latencies: number[] = [];
  const poller = (async () => {
    while (running) {
      latencies.push(await get());
      await sleep(POLL_GAP_MS);
    }
  })();
  await work();
  await sleep(afterMs);
  running = false;
  await poller;
  agent.destroy();
  const gc = longestGc(producer.output.slice(firstLine));
  return { slowestMs: Math.max(...latencies), polls: latencies.length, longestGcMs: gc.ms, longestGcKind: gc.kind };
}

interface Memory {
  heap: number;
  rss: number;
}

async function memory(producer: Service): Promise<Memory> {
  const p = (await producer.get('/status')).process;
  return { heap: p.heap_used_mb, rss: p.memory_mb };
}

async function oneRun(plan: Plan, consumerUrl: string, waitForRss: boolean) {
  const { count, switchWindowSeconds, settleSeconds } = plan.burst;
  const producer = await startService('producer', { CONSUMER_URL: consumerUrl, SENDER_CONCURRENCY: '1' }, ['--trace-gc']);
  try {
    await sleep(plan.quick ? 300 : 2000);
    const start = await memory(producer);
    const burst = await pollDuring(producer, () => producer.post('/produce', { count }), 500);
    const queued = await memory(producer);
    const switches: (Phase & { mode: string })[] = [];
    for (const mode of MODES) {
      const phase = await pollDuring(producer, () => producer.post('/admin/config', { queue_mode: mode }), switchWindowSeconds * 1000);
      switches.push({ ...phase, mode });
    }
    const clear = await pollDuring(producer, () => producer.post('/admin/clear-queue'), 1000);
    const cleared = await memory(producer);
    let rssBackSeconds: number | null = null;
    let settled = cleared;
    if (waitForRss) {
      const clearedAt = performance.now() - 1000;
      while (performance.now() - clearedAt < settleSeconds * 1000) {
        settled = await memory(producer);
        if (settled.rss <= start.rss * 1.15) {
          rssBackSeconds = (performance.now() - clearedAt) / 1000;
          break;
        }
        await sleep(500);
      }
    }
    const slowestSwitch = switches.reduce((a, b) => (b.slowestMs > a.slowestMs ? b : a));
    return { start, queued, cleared, settled, rssBackSeconds, burst, slowestSwitch, clear };
  } finally {
    await producer.stop();
  }
}

export async function burstFigure(plan: Plan): Promise<Figure> {
  const consumer = await startService('consumer', { PAUSED: 'true' });
  try {
    const runs: Awaited<ReturnType<typeof oneRun>>[] = [];
    for (let run = 0; run < plan.runs; run++) runs.push(await oneRun(plan, consumer.url, run === plan.runs - 1));
    const n = plan.burst.count.toLocaleString('en');
    const stallRow = (name: string, phases: Phase[], extra = ''): Row => {
      const slowest = median(phases.map((p) => p.slowestMs));
      const gc = median(phases.map((p) => p.longestGcMs));
      return {
        name,
        measured: `slowest ${round(slowest, 1)} ms; longest GC pause ${round(gc, 1)} ms (${phases.map((p) => p.longestGcKind).join(', ')})${extra}`,
        goal: `< ${STALL_GOAL_MS} ms`,
        met: slowest < STALL_GOAL_MS,
        event_loop_delay_p99_ms: null,
        values: {
          slowest_status_ms: round(slowest, 2),
          longest_gc_pause_ms: round(gc, 2),
          polls: median(phases.map((p) => p.polls)),
          runs: phases.map((p) => ({ slowest_ms: round(p.slowestMs, 2), gc_ms: round(p.longestGcMs, 2), gc: p.longestGcKind })),
        },
      };
    };
    const m = (pick: (r: (typeof runs)[number]) => number) => median(runs.map(pick));
    const last = runs.at(-1)!;
    const heapBack = m((r) => r.cleared.heap) <= m((r) => r.start.heap) + HEAP_BACK_MB;
    return {
      title: `A burst of ${n}: stalls and memory`,
      rows: [
        stallRow(
          `GET /status while POST /produce queues ${n}`,
          runs.map((r) => r.burst),
        ),
        stallRow(
          `GET /status across a queue_mode switch, ${n} queued`,
          runs.map((r) => r.slowestSwitch),
          ` (slowest switch: ${runs.map((r) => r.slowestSwitch.mode).join(', ')})`,
        ),
        stallRow(
          `GET /status across clear-queue of ${n}`,
          runs.map((r) => r.clear),
        ),
        {
          name: `heap used, clear-queue of ${n}`,
          measured: `${round(
            m((r) => r.start.heap),
            1,
          )} MB → ${round(
            m((r) => r.queued.heap),
            1,
          )} MB queued → ${round(
            m((r) => r.cleared.heap),
            1,
          )} MB 1 s after the clear`,
          goal: `back within ${HEAP_BACK_MB} MB of the start in 1 s`,
          met: heapBack,
          event_loop_delay_p99_ms: null,
          values: { start_mb: m((r) => r.start.heap), queued_mb: m((r) => r.queued.heap), after_clear_mb: m((r) => r.cleared.heap) },
        },
        {
          name: `RSS, clear-queue of ${n}`,
          measured:
            `${round(
              m((r) => r.start.rss),
              1,
            )} MB → ${round(
              m((r) => r.queued.rss),
              1,
            )} MB queued → ${round(
              m((r) => r.cleared.rss),
              1,
            )} MB 1 s after the clear → ` +
            (last.rssBackSeconds === null
              ? `${round(last.settled.rss, 1)} MB after ${plan.burst.settleSeconds} s (last run)`
              : `${round(last.settled.rss, 1)} MB ${round(last.rssBackSeconds, 1)} s after it (last run)`),
          goal: '—',
          met: null,
          event_loop_delay_p99_ms: null,
          values: {
            start_mb: m((r) => r.start.rss),
            queued_mb: m((r) => r.queued.rss),
            after_clear_mb: m((r) => r.cleared.rss),
            settled_mb: last.settled.rss,
            settle_seconds: last.rssBackSeconds ?? plan.burst.settleSeconds,
          },
        },
      ],
      notes: [
        `a fresh producer per run (consumer paused, node --trace-gc); /status polled every ${POLL_GAP_MS} ms over one connection; each switch window ${plan.burst.switchWindowSeconds} s, every mode in turn, the slowest shown`,
        "after clear-queue the producer runs one full garbage collection (producer/src/heap-release.ts); RSS then falls in two steps: the pages that held the items at once, the rest when V8's memory reducer shrinks the heap",
      ],
    };
  } finally {
    await consumer.post('/admin/resume');
    await consumer.stop();
  }
}
