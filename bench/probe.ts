// What the bench reads from a running service: counters over a time window, the event-loop
// delay, and the heap after a forced garbage collection.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseExposition } from '../labs/src/prometheus';
import type { Lab, Service } from '../test/helpers/services';

/**
 * prom-client samples the event loop with perf_hooks.monitorEventLoopDelay every 10 ms (its
 * default precision); each sample is the time between two ticks, so an idle loop reads ~10 ms.
 * The delay is what comes on top of it.
 */
const EVENT_LOOP_SAMPLING_MS = 10;

/** nodejs_eventloop_lag_p99_seconds from /metrics, as a delay in ms. Scraping resets it. */
export async function eventLoopDelayP99Ms(service: Service): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const p99 = parseExposition(text).find((s) => s.name === 'nodejs_eventloop_lag_p99_seconds');
  if (!p99) throw new Error('nodejs_eventloop_lag_p99_seconds is missing from /metrics');
  return Math.max(0, p99.value * 1000 - EVENT_LOOP_SAMPLING_MS);
}

/**
 * Runs `work` between two scrapes of the service's /metrics: prom-client resets its event-loop
 * histogram at every scrape, so the second one reports the p99 delay during `work` alone.
 */
export async function withEventLoopDelay<T>(service: Service, work: () => Promise<T>) {
  await eventLoopDelayP99Ms(service);
  const result = await work();
  return { result, eventLoopDelayP99Ms: await eventLoopDelayP99Ms(service) };
}

/**
 * A counter from the producer's /status accounting (e.g. "produced", "sent") per second over a
 * window of `seconds`. Each reading is timed at the middle of its request.
 */
export async function countPerSecond(producer: Service, counter: string, seconds: number) {
  const read = async () => {
    const before = performance.now();
    const status = await producer.get('/status');
    return { at: (before + performance.now()) / 2, value: status.accounting[counter] as number, status };
  };
  const start = await read();
  await sleep(seconds * 1000);
  const end = await read();
  return { perSecond: (end.value - start.value) / ((end.at - start.at) / 1000), end: end.status };
}

/** Node arguments that let collectGarbage() work on a service. */
export const GC_NODE_ARGS = ['--expose-gc', '--require', path.join(__dirname, 'gc-on-signal.js')];

/** Forces a full GC in a service started with GC_NODE_ARGS and waits until it is done. */
export async function collectGarbage(service: Service): Promise<void> {
  const done = () => service.output.filter((line) => line === '{"msg":"gc done"}').length;
  const before = done();
  service.child.kill('SIGUSR2');
  const deadline = performance.now() + 30_000;
  while (done() === before) {
    if (performance.now() > deadline) throw new Error('no "gc done" within 30 s');
    await sleep(20);
  }
}

/**
 * Stops a lab whose consumer may be paused: resumed first, so that the producer's in-flight sends
 * finish and its graceful shutdown does not wait out its deadline.
 */
export async function stopLab(lab: Lab): Promise<void> {
  await lab.consumer.post('/admin/resume');
  await lab.stop();
}

/** Stops a producer whose one send hangs in a paused consumer, and leaves the consumer paused. */
export async function stopBesidePausedConsumer(producer: Service, consumerUrl: string): Promise<void> {
  await fetch(`${consumerUrl}/admin/resume`, { method: 'POST' }); // lets the one in-flight send end
  await producer.stop();
  await fetch(`${consumerUrl}/admin/pause`, { method: 'POST' });
}
