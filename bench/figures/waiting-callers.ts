// Figure 7 — memory per waiting caller: the heap each open-arrival caller holds while it waits for
// admission (block, timeout, rate_limited), after a full GC, against the producer's own estimate
// (queue.admission_waiting_memory_bytes = item + WAITING_CALLER_OVERHEAD_BYTES). Each run starts a
// fresh producer (consumer paused, queue of 1), lets a first crowd wait and hands it to the queue
// (a warm-up: the code it compiles is not caller memory), reads a baseline, lets open arrivals pile
// up, stops them, and reads again.
import { type Service, sleep, startService } from '../../test/helpers/services';
import type { Plan } from '../plan';
import { collectGarbage, GC_NODE_ARGS, stopBesidePausedConsumer } from '../probe';
import type { Figure, Row } from '../report';
import { medianOfRuns, round } from '../stats';

const ESTIMATE_TOLERANCE = 0.15;
const PAYLOAD_BYTES = 1024;
/** Room for the crowd: waiting callers may hold a quarter of MEMORY_LIMIT_MB. */
const HEAP_MB = 4096;
const ARRIVAL_RATE = 10_000;

const MODES = {
  block: { queue_mode: 'block' },
  timeout: { queue_mode: 'timeout', enqueue_timeout_ms: 600_000 },
  rate_limited: { queue_mode: 'rate_limited', rate_limit: 1, burst: 1 },
} as const;

type Mode = keyof typeof MODES;

async function read(producer: Service) {
  await collectGarbage(producer);
  const status = await producer.get('/status');
  return {
    heap: status.process.heap_used_bytes,
    waiting: status.queue.admission_waiting,
    estimate: status.queue.admission_waiting_memory_bytes,
  };
}

/** Open arrivals under `mode` until about `callers` wait, then none. */
async function crowd(producer: Service, mode: Mode, callers: number): Promise<void> {
  await producer.post('/admin/config', { ...MODES[mode], arrivals: 'open', production_rate: ARRIVAL_RATE });
  await sleep((callers / ARRIVAL_RATE) * 1000);
  await producer.post('/admin/config', { production_rate: 0 });
}

async function oneRun(consumerUrl: string, mode: Mode, callers: number) {
  const producer = await startService(
    'producer',
    {
      CONSUMER_URL: consumerUrl,
      PRODUCTION_RATE: '0',
      PAYLOAD_BYTES: String(PAYLOAD_BYTES),
      MAX_QUEUE_SIZE: '1',
      SENDER_CONCURRENCY: '1',
      MEMORY_LIMIT_MB: String(HEAP_MB),
    },
    [`--max-old-space-size=${HEAP_MB}`, ...GC_NODE_ARGS],
  );
  try {
    await crowd(producer, mode, callers / 10);
    await producer.post('/admin/config', { queue_mode: 'unbounded' }); // the warm-up crowd gets in ...
    await producer.post('/admin/clear-queue'); // ... and is cleared
    const base = await read(producer);
    await crowd(producer, mode, callers);
    const now = await read(producer);
    const waiting = now.waiting - base.waiting;
    return { heap: (now.heap - base.heap) / waiting, estimate: (now.estimate - base.estimate) / waiting, waiting };
  } finally {
    await stopBesidePausedConsumer(producer, consumerUrl);
  }
}

export async function memoryPerWaitingCaller(plan: Plan): Promise<Figure> {
  const consumer = await startService('consumer', { PAUSED: 'true' });
  try {
    const rows: Row[] = [];
    for (const mode of Object.keys(MODES) as Mode[]) {
      const runs = [];
      for (let run = 0; run < plan.runs; run++) runs.push(await oneRun(consumer.url, mode, plan.waitingCallers));
      const m = medianOfRuns(runs);
      const estimateError = (m.estimate - m.heap) / m.heap;
      rows.push({
        name: `memory, waiting caller under ${mode}, ${PAYLOAD_BYTES} B payload`,
        measured: `heap ${Math.round(m.heap)} B/caller (${Math.round(m.heap - PAYLOAD_BYTES)} B beyond the payload), estimate ${estimateError >= 0 ? '+' : ''}${round(estimateError * 100, 1)}%`,
        goal: 'estimate ±15%',
        met: Math.abs(estimateError) <= ESTIMATE_TOLERANCE,
        event_loop_delay_p99_ms: null,
        values: {
          payload_bytes: PAYLOAD_BYTES,
          waiting: Math.round(m.waiting),
          heap_bytes_per_caller: round(m.heap, 1),
          estimate_bytes_per_caller: round(m.estimate, 1),
          estimate_error_pct: round(estimateError * 100, 2),
          runs: runs.map((r) => ({ heap: round(r.heap, 1), waiting: r.waiting })),
        },
      });
    }
    return {
      title: 'Memory per waiting caller',
      rows,
      notes: [
        `open arrivals at ${ARRIVAL_RATE}/s until about ${plan.waitingCallers.toLocaleString('en')} wait (queue of 1, consumer paused); heap from /status after a full GC, against a baseline taken after a warm-up crowd`,
      ],
    };
  } finally {
    await consumer.stop();
  }
}
