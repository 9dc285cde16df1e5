// Figure — scale-out on the broker (QUEUE_BACKEND=rabbitmq, issue 12), on a RabbitMQ started for it:
// - items/s drained from lab.items by 1, 2, (3,) 4 competing consumers, processing 0 ms and 5 ms,
//   with the CPU each process used meanwhile (/proc/<pid>/stat: the consumers, the producer, the
//   broker), which says where the curve flattens and why;
// - the same processing on the in-memory HTTP path (one consumer process), side by side;
// - publish → confirm latency, one persistent 1 KB message at a time (amqplib, p50/p99);
// - the producer's heap with a million items waiting in the broker (after a full GC), and the
//   publish rate that filled it.
// Each drain run fills the queue with the consumers paused, resumes them and counts what they
// processed over a window; what is left is purged.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { type RabbitMQ, startRabbitMQ } from '../../scripts/rabbitmq-server';
import { brokerEnv } from '../../test/helpers/rabbitmq';
import { type Service, startService } from '../../test/helpers/services';
import type { Plan } from '../plan';
import { collectGarbage, GC_NODE_ARGS, stopLab } from '../probe';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';
import { ceilingRun, startCeilingLab } from './delivery';

const CONSUMER_PREFETCH = 50;
const PARALLEL_PRODUCE = 64;
const SETTINGS = (quick: boolean) => ({
  counts: quick ? [1, 2] : [1, 2, 3, 4],
  processing: [0, 5],
  fill: quick ? 3000 : 50_000,
  warmupSeconds: quick ? 0.3 : 0.5,
  windowSeconds: quick ? 1 : 3,
  confirms: quick ? 200 : 2000,
  parked: quick ? 5000 : 1_000_000,
});

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
/** CPU seconds a process has used so far (utime + stime), or NaN once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The broker's Erlang VM: the beam.smp started with this node's name (ours, unique) in its environment. */
export function brokerPid(rabbit: RabbitMQ): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('beam.smp')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`RABBITMQ_NODENAME=${rabbit.nodeName}`)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no beam.smp for ${rabbit.nodeName}`);
}

/**
 * Publishes `count` items through the producer's POST /produce. One request offers its items one
 * after another, each awaiting its confirm (~1 ms): several requests at once keep the channel busy.
 */
async function fill(producer: Service, count: number): Promise<number> {
  const chunk = Math.ceil(count / PARALLEL_PRODUCE);
  await Promise.all(Array.from({ length: PARALLEL_PRODUCE }, () => producer.post('/produce', { count: chunk })));
  return chunk * PARALLEL_PRODUCE;
}

const processedBy = async (consumers: Service[]) => {
  let total = 0;
  for (const c of consumers) total += (await c.get('/status')).totals.processed;
  return total;
};

interface DrainRun {
  perSecond: number;
  /** The queue was empty at the end of the window: the figure is too low, fill more. */
  drainedEarly: boolean;
  /** CPU share (1 = one core) of each consumer, the producer and the broker over the window. */
  cpu: { consumers: number[]; producer: number; broker: number };
}

async function drainRun(s: ReturnType<typeof SETTINGS>, producer: Service, consumers: Service[], broker: number): Promise<DrainRun> {
  await Promise.all(consumers.map((c) => c.post('/admin/pause')));
  await fill(producer, s.fill);
  await Promise.all(consumers.map((c) => c.post('/admin/resume')));
  await sleep(s.warmupSeconds * 1000);
  const pids = [...consumers.map((c) => c.child.pid!), producer.child.pid!, broker];
  const cpuBefore = pids.map(cpuSeconds);
  const [before, t0] = [await processedBy(consumers), performance.now()];
  await sleep(s.windowSeconds * 1000);
  const [after, t1] = [await processedBy(consumers), performance.now()];
  const drainedEarly = (await producer.get('/status')).backend.ready === 0;
  const share = pids.map((pid, i) => round((cpuSeconds(pid) - cpuBefore[i]!) / ((t1 - t0) / 1000), 2));
  await producer.post('/admin/clear-queue');
  return {
    perSecond: (after - before) / ((t1 - t0) / 1000),
    drainedEarly,
    cpu: { consumers: share.slice(0, consumers.length), producer: share.at(-2)!, broker: share.at(-1)! },
  };
}

/** One persistent 1 KB message at a time on a confirm channel: ms from publish to confirm. */
async function confirmLatencies(rabbit: RabbitMQ, count: number): Promise<number[]> {
  const connection = await amqp.connect(rabbit.amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    const queue = 'bench.confirm';
    await channel.assertQueue(queue, { durable: true });
    const body = Buffer.alloc(1024, 'x');
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) =>
        channel.publish('', queue, body, { persistent: true }, (err: unknown) => (err ? reject(err) : resolve())),
      );
      latencies.push(performance.now() - t0);
    }
    await channel.deleteQueue(queue);
    return latencies;
  } finally {
    await connection.close();
  }
}

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

/** Parks `count` 100-byte items in the broker through the producer; its heap after a full GC before and after. */
async function parkedHeap(rabbit: RabbitMQ, count: number) {
  const producer = await startService('producer', { ...brokerEnv(rabbit), PRODUCTION_RATE: '0', PAYLOAD_BYTES: '100' }, GC_NODE_ARGS);
  try {
    await waitReady(producer);
    const heap = async () => {
      await collectGarbage(producer);
      return (await producer.get('/status')).process.heap_used_mb as number;
    };
    const before = await heap();
    const t0 = performance.now();
    const published = await fill(producer, count);
    const after = await heap();
    const ready = (await producer.get('/status')).backend.ready as number;
    await producer.post('/admin/clear-queue');
    return { before, after, publishPerSecond: published / ((performance.now() - t0) / 1000), ready };
  } finally {
    await producer.stop();
  }
}

export async function waitReady(service: Service): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!(await fetch(`${service.url}/health/ready`)).ok) {
    if (performance.now() > deadline) throw new Error(`${service.url} not ready`);
    await sleep(100);
  }
}

export async function scaleOut(plan: Plan): Promise<Figure> {
  const s = SETTINGS(plan.quick);
  const rabbit = await startRabbitMQ({ amqpPort: 0, managementPort: 0 });
  const rows: Row[] = [];
  try {
    const broker = brokerPid(rabbit);
    const producer = await startService('producer', { ...brokerEnv(rabbit), PRODUCTION_RATE: '0', PAYLOAD_BYTES: '1024' });
    const consumers: Service[] = [];
    try {
      await waitReady(producer);
      for (const n of s.counts) {
        while (consumers.length < n) {
          consumers.push(
            await startService('consumer', {
              ...brokerEnv(rabbit),
              MAX_CONCURRENCY: String(CONSUMER_PREFETCH),
              INSTANCE: `consumer-${consumers.length + 1}`,
            }),
          );
          await waitReady(consumers.at(-1)!);
        }
        for (const processingMs of s.processing) {
          await Promise.all(consumers.map((c) => c.post('/admin/config', { processing_time_ms: processingMs })));
          const runs: DrainRun[] = [];
          // One run a row (filling the queue takes most of the time); the in-memory rows take plan.runs.
          runs.push(await drainRun(s, producer, consumers.slice(0, n), broker));
          const perSecond = median(runs.map((r) => r.perSecond));
          const cpu = runs[runs.length >> 1]!.cpu;
          rows.push({
            name: `broker, ${n} consumer${n > 1 ? 's' : ''}, ${processingMs} ms`,
            measured: `${Math.round(perSecond)}/s (CPU: consumers ${cpu.consumers.join('+')}, producer ${cpu.producer}, broker ${cpu.broker})${runs.some((r) => r.drainedEarly) ? ' (queue ran dry: fill more)' : ''}`,
            goal: '—',
            met: null,
            event_loop_delay_p99_ms: null,
            values: {
              items_per_second: round(perSecond, 1),
              consumers: n,
              processing_time_ms: processingMs,
              prefetch: CONSUMER_PREFETCH,
              cpu,
              runs: runs.map((r) => round(r.perSecond, 1)),
            },
          });
        }
      }
    } finally {
      await Promise.all([producer.stop(), ...consumers.map((c) => c.stop())]);
    }

    // The in-memory path at its saturated setting (the delivery figure's last in-flight count).
    const inFlight = plan.delivery.inFlight[plan.delivery.inFlight.length - 1]!;
    const sending = { send_batch_size: 1, sender_concurrency: inFlight, consumer_max_concurrency: inFlight };
    const lab = await startCeilingLab();
    try {
      for (const processingMs of s.processing) {
        await lab.consumer.post('/admin/config', { processing_time_ms: processingMs });
        const runs = [];
        for (let run = 0; run < plan.runs; run++) runs.push(await ceilingRun(plan, lab, s.fill, sending));
        const perSecond = median(runs.map((r) => r.perSecond));
        rows.push({
          name: `in-memory HTTP, 1 consumer, ${processingMs} ms`,
          measured: `${Math.round(perSecond)}/s`,
          goal: '—',
          met: null,
          event_loop_delay_p99_ms: round(median(runs.map((r) => r.eld)), 2),
          values: {
            items_per_second: round(perSecond, 1),
            processing_time_ms: processingMs,
            sender_concurrency: inFlight,
            runs: runs.map((r) => round(r.perSecond, 1)),
          },
        });
      }
    } finally {
      await stopLab(lab);
    }

    const latencies = await confirmLatencies(rabbit, s.confirms);
    rows.push({
      name: 'publish → confirm, one at a time',
      measured: `p50 ${round(quantile(latencies, 0.5), 2)} ms, p99 ${round(quantile(latencies, 0.99), 2)} ms`,
      goal: '—',
      met: null,
      event_loop_delay_p99_ms: null,
      values: { p50_ms: round(quantile(latencies, 0.5), 3), p99_ms: round(quantile(latencies, 0.99), 3), messages: latencies.length },
    });

    const parked = await parkedHeap(rabbit, s.parked);
    rows.push({
      name: `producer heap, ${s.parked.toLocaleString('en')} items in the broker`,
      measured: `${parked.before} → ${parked.after} MB (${parked.ready} ready in the broker, published at ${Math.round(parked.publishPerSecond)}/s)`,
      goal: 'flat (< 10 MB more)',
      met: parked.after - parked.before < 10 && parked.ready >= s.parked * 0.99,
      event_loop_delay_p99_ms: null,
      values: {
        heap_before_mb: parked.before,
        heap_after_mb: parked.after,
        ready_in_broker: parked.ready,
        publish_per_second: round(parked.publishPerSecond, 1),
      },
    });
  } finally {
    await rabbit.stop();
  }
  return {
    title: 'Scale-out on the broker',
    rows,
    notes: [
      `1 KB payloads; consumers with prefetch (max_concurrency) ${CONSUMER_PREFETCH}, queue filled with the consumers paused; CPU is the share of one core each process used over the window (/proc/<pid>/stat); the in-memory rows use the delivery ceiling's saturated setup (${plan.delivery.inFlight[plan.delivery.inFlight.length - 1]} senders and consumer slots)`,
    ],
  };
}
