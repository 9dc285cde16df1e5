// HTTP load with autocannon's programmatic API, always bounded in time, against 127.0.0.1 only.
// autocannon's own latency histogram has 1 ms steps and keeps 2xx only; we record every
// response's latency (float ms) ourselves, per status code.
import autocannon from 'autocannon';
import { percentile, round } from './stats';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  connections: number;
  seconds: number;
  /** Requests per second over all connections; as fast as possible when absent. */
  rate?: number;
}

export interface LoadResult {
  seconds: number;
  responses: number;
  per_second: number;
  errors: number;
  by_status: Record<string, number>;
  latency_ms: { p50: number; p99: number };
  /** Latency per status code, e.g. { "429": { p50, p99 } }. */
  latency_by_status_ms: Record<string, { p50: number; p99: number }>;
}

export function load(options: LoadOptions): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(options.url)) throw new Error(`load only against 127.0.0.1: ${options.url}`);
  const latencies = new Map<number, number[]>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        body: options.body,
        headers: options.body ? { 'Content-Type': 'application/json' } : undefined,
        connections: options.connections,
        duration: options.seconds,
        overallRate: options.rate,
        timeout: 10,
      },
      (err, result) => {
        if (err) return reject(err);
        const all = [...latencies.values()].flat();
        const byStatus: LoadResult['latency_by_status_ms'] = {};
        for (const [status, values] of latencies) byStatus[status] = summary(values);
        resolve({
          seconds: result.duration,
          responses: all.length,
          per_second: round(all.length / result.duration, 1),
          errors: result.errors,
          by_status: Object.fromEntries([...latencies].map(([status, values]) => [status, values.length])),
          latency_ms: summary(all),
          latency_by_status_ms: byStatus,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const list = latencies.get(statusCode) ?? [];
      latencies.set(statusCode, list);
      list.push(responseTime);
    });
  });
}

const summary = (values: number[]) => ({ p50: round(percentile(values, 50), 3), p99: round(percentile(values, 99), 3) });
