// `npm run prometheus`: Debian's `prometheus` (apt-get install prometheus) for the native lab.
// It scrapes the services `npm start` runs (HOST, PRODUCER_PORT, CONSUMER_PORT as there), with
// the Docker stack's config rewritten for them (with SUPERVISOR_URL: every instance the
// supervisor runs), keeps its data in a temporary directory that is removed at exit, stores
// exemplars, and serves its UI on http://127.0.0.1:9090 (PROMETHEUS_PORT).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativePrometheusConfig, prometheusArgs } from './prometheus-config';

const host = process.env.HOST ?? '127.0.0.1';
const producer = `${host}:${process.env.PRODUCER_PORT ?? '8000'}`;
const consumer = `${host}:${process.env.CONSUMER_PORT ?? '8001'}`;
const listen = `127.0.0.1:${process.env.PROMETHEUS_PORT ?? '9090'}`;

if (spawnSync('prometheus', ['--version']).error) {
  console.error('`prometheus` is not installed. On Debian or Ubuntu: sudo apt-get install prometheus');
  process.exit(1);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'backpressure-prometheus-'));
const configFile = path.join(dir, 'prometheus.yml');
// With several instances (`PRODUCERS=2 CONSUMERS=3 npm start`): their supervisor lists them all.
const supervisorUrl = process.env.SUPERVISOR_URL?.replace(/\/+$/, '');
writeFileSync(configFile, nativePrometheusConfig({ producer, consumer }, undefined, supervisorUrl));

const scraping = supervisorUrl
  ? `every instance that ${supervisorUrl}/sd/{producer,consumer} lists`
  : `producer ${producer} and consumer ${consumer}`;
console.log(`Prometheus on http://${listen}, scraping ${scraping} every 5 s`);
console.log(`(config ${configFile}, data in ${dir}, removed at exit; Ctrl-C stops it)`);
const child = spawn('prometheus', prometheusArgs(configFile, path.join(dir, 'data'), listen), { stdio: 'inherit' });

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
