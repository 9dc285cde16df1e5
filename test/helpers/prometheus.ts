// Runs the real Prometheus (Debian's `prometheus`, installed by .ci/run) on a free 127.0.0.1
// port, with the config `npm run prometheus` uses, pointed at the test's services, and queries
// its HTTP API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type NativeTargets, nativePrometheusConfig, prometheusArgs } from '../../scripts/prometheus-config';
import { freePort } from './free-port';
import { startProcess } from './process';
import { waitFor } from './services';

export interface PromSeries {
  metric: Record<string, string>;
  /** [unix seconds, value] pairs: one for an instant query, many for a range query. */
  values: [number, string][];
}

export interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

export interface Prometheus {
  url: string;
  /** Prometheus's log lines so far. */
  output: string[];
  query(expr: string, time: number): Promise<PromSeries[]>;
  queryRange(expr: string, start: number, end: number, step: number): Promise<PromSeries[]>;
  exemplars(expr: string, start: number, end: number): Promise<ExemplarSeries[]>;
  /** Health of each scrape target, by job. */
  targets(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: NativeTargets, scrapeInterval: string, supervisorUrl?: string): Promise<Prometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backpressure-prometheus-test-'));
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, nativePrometheusConfig(targets, scrapeInterval, supervisorUrl));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess('prometheus', prometheusArgs(configFile, path.join(dir, 'data'), `127.0.0.1:${port}`));

  const api = async (route: string, params: Record<string, string | number>): Promise<any> => {
    const res = await fetch(`${url}${route}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`);
    const body = (await res.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`${route} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  };

  const prometheus: Prometheus = {
    url,
    output: proc.lines,
    async query(expr, time) {
      const data = await api('/api/v1/query', { query: expr, time });
      if (data.resultType === 'scalar') return [{ metric: {}, values: [data.result] }];
      return data.result.map((r: any) => ({ metric: r.metric, values: [r.value] }));
    },
    async queryRange(expr, start, end, step) {
      const data = await api('/api/v1/query_range', { query: expr, start, end, step });
      return data.result.map((r: any) => ({ metric: r.metric, values: r.values }));
    },
    exemplars: (expr, start, end) => api('/api/v1/query_exemplars', { query: expr, start, end }),
    async targets() {
      const data = await api('/api/v1/targets', { state: 'active' });
      return Object.fromEntries(data.activeTargets.map((t: any) => [t.labels.job, t.health]));
    },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, 20_000, 'Prometheus to be ready');
  } catch (err) {
    await prometheus.stop();
    throw new Error(`${(err as Error).message}\n${proc.output}`);
  }
  return prometheus;
}
