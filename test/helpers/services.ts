// Starts the real consumer and producer as child processes on free 127.0.0.1 ports (PORT=0; the
// port is read from the service's "listening" log line) and talks to them over HTTP.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseExposition } from '../../labs/src/prometheus';
import { startProcess } from './process';

const DIST = path.resolve(__dirname, '../..');

export interface Service {
  url: string;
  child: ChildProcess;
  /** Every line the service wrote to stdout/stderr so far. */
  output: string[];
  get<T = any>(route: string): Promise<T>;
  post<T = any>(route: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }>;
  /** Sends SIGTERM and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startService(name: 'producer' | 'consumer', env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Service> {
  return startScript(`${name}/src/main.js`, env, nodeArgs);
}

/**
 * Runs a compiled script (a path under dist/) as a child process on a free port. The script must
 * log a JSON line with "msg":"listening" and its "url", as both services do.
 */
export async function startScript(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Service> {
  const proc = startProcess(process.execPath, [...nodeArgs, path.join(DIST, script)], {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'auto',
    ...env,
  });
  // Generous: the bench's services run at the lowest CPU priority beside busy test files.
  const listening = await proc.waitForOutput(/^(\{.*"msg":"listening".*\})\r?\n/m, 30_000).catch(async (err: Error) => {
    await proc.stop('SIGKILL');
    throw new Error(`${script} did not start: ${err.message}`);
  });
  const url: string = JSON.parse(listening[1]!).url;
  return {
    url,
    child: proc.child,
    output: proc.lines,
    async get(route) {
      const res = await fetch(url + route);
      return res.json();
    },
    async post(route, body) {
      const res = await fetch(url + route, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    stop: (signal = 'SIGTERM') => proc.stop(signal), // SIGKILL after 10 s: a service that hangs on exit
  };
}

export interface Lab {
  producer: Service;
  consumer: Service;
  stop(): Promise<void>;
}

/** A consumer, then a producer pointed at it. Settings are environment variables (UPPER_CASE). */
export async function startLab(producerEnv: Record<string, string> = {}, consumerEnv: Record<string, string> = {}): Promise<Lab> {
  const consumer = await startService('consumer', consumerEnv);
  const producer = await startService('producer', { CONSUMER_URL: consumer.url, ...producerEnv }).catch(async (err) => {
    await consumer.stop(); // or a test whose producer cannot start would hang on it
    throw err;
  });
  return {
    producer,
    consumer,
    async stop() {
      await Promise.all([producer.stop(), consumer.stop()]);
    },
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * Waits until the producer has nothing left to decide or deliver: its queue empty, nothing in
 * flight, no offer waiting for admission. Returns that /status.
 */
export function waitSettled(producer: Service, timeoutMs: number, what = 'every item settled'): Promise<any> {
  return waitFor(
    async () => {
      const s = await producer.get('/status');
      return s.queue.size === 0 && s.accounting.in_flight === 0 && s.queue.admission_waiting === 0 ? s : undefined;
    },
    timeoutMs,
    what,
  );
}

/** The accounting identity (producer/src/ledger.ts), checked on a /status body. */
export function assertBalanced(status: any): void {
  const a = status.accounting;
  const sum = a.queued + a.in_flight + a.sent + a.rejected + a.dropped + a.sampled_out + a.cleared + a.dead_lettered + a.expired;
  if (sum !== a.produced + (a.replayed ?? 0) || !a.balanced) throw new Error(`accounting does not balance: ${JSON.stringify(a)}`);
}

/** The counters a fault scenario reports before and after, from a producer /status body. */
export const countersOf = (status: any) => ({
  ...status.accounting,
  retries: status.backend.retries,
  breaker: status.backend.breaker.state,
});

/** Fails if any service logged an unhandled rejection or uncaught exception (common/src/server.ts). */
export function assertNoProcessFault(...services: Service[]): void {
  for (const service of services) {
    const faults = service.output.filter((line) => /"msg":"(unhandledRejection|uncaughtException)"/.test(line));
    if (faults.length) throw new Error(`process fault logged:\n${faults.join('\n')}`);
  }
}

/**
 * How far a bounded queue may be above its bound for a moment: admission never passes it, but the
 * item of a failed send goes back to the head even when the queue is full (an admitted item is
 * never dropped to honour the bound), one per sender (sender_concurrency, 2 by default).
 */
export const RETRY_SLACK = 2;

/** Samples the producer's queue size every `everyMs` until stopped (at most `forMs`); stop() gives the largest seen. */
export function watchQueue(producer: Service, everyMs = 50, forMs = 60_000) {
  let max = 0;
  let running = true;
  const deadline = Date.now() + forMs;
  const loop = (async () => {
    while (running && Date.now() < deadline) {
      const status = await producer.get('/status').catch(() => undefined);
      if (status) max = Math.max(max, status.queue.size);
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<number> {
      running = false;
      await loop;
      return max;
    },
  };
}

/** A counter's value from a service's /metrics, summed over the series matching `labels`; 0 when absent. */
export async function metricValue(service: Service, name: string, labels: Record<string, string> = {}): Promise<number> {
  const samples = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

export { freePort } from './free-port';
export { killAll } from './process';
export { sleep };
