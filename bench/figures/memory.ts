// Figure 3 — memory per queued item: the heap and RSS each queued item costs, after a full GC,
// against the producer's own estimate (queue.memory_bytes = ITEM_OVERHEAD_BYTES + payload).
// Each run starts a fresh producer (consumer paused, one sender), queues and clears a warm-up
// burst, reads a baseline, queues the first count with POST /produce, reads again, then tops up
// to the second count.
import { type Service, startService } from '../../test/helpers/services';
import type { Plan } from '../plan';
import { collectGarbage, GC_NODE_ARGS, stopBesidePausedConsumer, withEventLoopDelay } from '../probe';
import type { Figure, Row } from '../report';
import { medianOfRuns, round } from '../stats';

const OVERHEAD_GOAL_BYTES = 200;
const ESTIMATE_TOLERANCE = 0.15;
/** Heap room for a million 1 KB items and then some. */
const HEAP_MB = 4096;

interface Reading {
  heap: number;
  rss: number;
  estimate: number;
}

async function read(producer: Service): Promise<Reading> {
  await collectGarbage(producer);
  const status = await producer.get('/status');
  return { heap: status.process.heap_used_bytes, rss: status.process.memory_bytes, estimate: status.queue.memory_bytes };
}

async function produce(producer: Service, count: number): Promise<void> {
  const answer = await producer.post('/produce', { count });
  if (answer.body?.queued !== count) throw new Error(`/produce queued ${JSON.stringify(answer.body)} of ${count}`);
}

/** One run: per-item costs at each count, measured from the same baseline. */
async function oneRun(consumerUrl: string, payload: number, counts: [number, number], warmup: number) {
  const producer = await startService(
    'producer',
    {
      CONSUMER_URL: consumerUrl,
      PRODUCTION_RATE: '0',
      PAYLOAD_BYTES: String(payload),
      SENDER_CONCURRENCY: '1',
      MEMORY_LIMIT_MB: String(HEAP_MB),
    },
    [`--max-old-space-size=${HEAP_MB}`, ...GC_NODE_ARGS],
  );
  try {
    // Queue and clear a first burst, so that the code it compiles is not counted as item memory.
    await produce(producer, warmup);
    await producer.post('/admin/clear-queue');
    const base = await read(producer);
    const perItem = [];
    let queued = 0;
    for (const count of counts) {
      const burst = await withEventLoopDelay(producer, () => produce(producer, count - queued));
      queued = count;
      const now = await read(producer);
      perItem.push({
        eld: burst.eventLoopDelayP99Ms,
        heap: (now.heap - base.heap) / count,
        rss: (now.rss - base.rss) / count,
        estimate: (now.estimate - base.estimate) / count,
      });
    }
    return perItem;
  } finally {
    await stopBesidePausedConsumer(producer, consumerUrl);
  }
}

export async function memoryPerItem(plan: Plan): Promise<Figure> {
  const consumer = await startService('consumer', { PAUSED: 'true' });
  try {
    const rows: Row[] = [];
    for (const payload of plan.memory.payloads) {
      const runs: Awaited<ReturnType<typeof oneRun>>[] = [];
      for (let run = 0; run < plan.runs; run++) runs.push(await oneRun(consumer.url, payload, plan.memory.counts, plan.memory.warmup));
      plan.memory.counts.forEach((count, i) => {
        const m = medianOfRuns(runs.map((r) => r[i]!));
        const overhead = m.heap - payload;
        const estimateError = (m.estimate - m.heap) / m.heap;
        rows.push({
          name: `memory, ${payload} B payload, ${count.toLocaleString('en')} queued`,
          measured: `heap ${Math.round(m.heap)} B/item (${Math.round(overhead)} B overhead), RSS ${Math.round(m.rss)} B/item, estimate ${estimateError >= 0 ? '+' : ''}${round(estimateError * 100, 1)}%`,
          goal: `overhead ≤ ${OVERHEAD_GOAL_BYTES} B, estimate ±15%`,
          met: overhead <= OVERHEAD_GOAL_BYTES && Math.abs(estimateError) <= ESTIMATE_TOLERANCE,
          event_loop_delay_p99_ms: round(m.eld, 2),
          values: {
            payload_bytes: payload,
            queued: count,
            heap_bytes_per_item: round(m.heap, 1),
            overhead_bytes_per_item: round(overhead, 1),
            rss_bytes_per_item: round(m.rss, 1),
            estimate_bytes_per_item: round(m.estimate, 1),
            estimate_error_pct: round(estimateError * 100, 2),
            runs: runs.map((r) => ({ heap: round(r[i]!.heap, 1), rss: round(r[i]!.rss, 1) })),
          },
        });
      });
    }
    return {
      title: 'Memory per queued item',
      rows,
      notes: [
        'heap and RSS from /status after a full GC (node --expose-gc, bench/gc-on-signal.ts); a fresh producer per run, its baseline taken after a cleared warm-up burst; consumer paused',
        'event-loop delay: while POST /produce queued the items',
      ],
    };
  } finally {
    await consumer.stop();
  }
}
