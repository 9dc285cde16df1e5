// prometheus/prometheus.yml and what is made from it, checked by Prometheus's own `promtool`:
// the Docker config, the native one `npm run prometheus` generates, and every PromQL
// expression of the dashboard as a rules file. And `npm run prometheus` itself, run for real.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import YAML from 'yaml';
import { DOCKER_CONFIG, nativePrometheusConfig } from '../scripts/prometheus-config';
import { dashboardQueries, withGrafanaVariables } from './helpers/dashboard';
import { freePort } from './helpers/free-port';
import { startProcess } from './helpers/process';
import { waitFor } from './helpers/services';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'backpressure-promtool-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: result.stdout + result.stderr };
}

function writeTmp(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

test("the Docker config is valid and scrapes producer:8000, lab18-consumer:8001, the scaled consumers and RabbitMQ's rabbitmq:15692 every 5 s", () => {
  const check = promtool('check', 'config', DOCKER_CONFIG);
  assert.ok(check.ok, check.output);
  const config = YAML.parse(readFileSync(DOCKER_CONFIG, 'utf8'));
  assert.equal(config.global.scrape_interval, '5s');
  const statics = config.scrape_configs.filter((j: any) => j.static_configs);
  const targets = Object.fromEntries(statics.map((j: any) => [j.job_name, j.static_configs[0].targets]));
  assert.deepEqual(targets, { producer: ['producer:8000'], consumer: ['lab18-consumer:8001'], rabbitmq: ['rabbitmq:15692'] });
  // Every replica of `docker compose --profile broker up --scale consumer=N`, by Docker's DNS.
  const discovered = config.scrape_configs.filter((j: any) => !j.static_configs);
  assert.deepEqual(
    discovered.map((j: any) => [j.job_name, j.dns_sd_configs]),
    [['broker-consumer', [{ names: ['broker-consumer'], type: 'A', port: 8001, refresh_interval: '5s' }]]],
  );
});

test('the native config is the Docker one with 127.0.0.1 targets, and valid; RabbitMQ only when given; no Docker DNS job', () => {
  const text = nativePrometheusConfig({ producer: '127.0.0.1:8000', consumer: '127.0.0.1:8001' });
  const check = promtool('check', 'config', writeTmp('native.yml', text));
  assert.ok(check.ok, check.output);
  const docker = YAML.parse(readFileSync(DOCKER_CONFIG, 'utf8'));
  // Left out natively, on purpose (scripts/prometheus-config.ts, discoversInDockerDns).
  docker.scrape_configs = docker.scrape_configs.filter((j: any) => !j.dns_sd_configs);
  docker.scrape_configs[0].static_configs[0].targets = ['127.0.0.1:8000'];
  docker.scrape_configs[1].static_configs[0].targets = ['127.0.0.1:8001'];
  const withBroker = structuredClone(docker);
  docker.scrape_configs.pop(); // no broker natively unless a target is given
  assert.deepEqual(YAML.parse(text), docker);

  withBroker.scrape_configs[2].static_configs[0].targets = ['127.0.0.1:15692'];
  const brokerText = nativePrometheusConfig({ producer: '127.0.0.1:8000', consumer: '127.0.0.1:8001', rabbitmq: '127.0.0.1:15692' });
  assert.deepEqual(YAML.parse(brokerText), withBroker);
});

test('every dashboard expression parses as PromQL (promtool check rules)', () => {
  const rules = dashboardQueries().map((q, i) => ({ record: `dashboard_query_${i}`, expr: withGrafanaVariables(q.expr, 5) }));
  const check = promtool('check', 'rules', writeTmp('dashboard.rules.yml', YAML.stringify({ groups: [{ name: 'dashboard', rules }] })));
  assert.ok(check.ok, check.output);
  assert.match(check.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  // The same check does catch a broken expression.
  const broken = promtool(
    'check',
    'rules',
    writeTmp('broken.rules.yml', YAML.stringify({ groups: [{ name: 'b', rules: [{ record: 'x', expr: 'sum(rate(a[5m])' }] }] })),
  );
  assert.equal(broken.ok, false);
});

test('npm run prometheus: serves on PROMETHEUS_PORT, scrapes the native targets, removes its data at exit', async () => {
  const port = await freePort();
  const script = startProcess(process.execPath, [path.resolve(__dirname, '../scripts/prometheus.js')], {
    PROMETHEUS_PORT: String(port),
    PRODUCER_PORT: '18000',
    CONSUMER_PORT: '18001',
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, 20_000, 'Prometheus ready');
    const scraped = await waitFor(
      async () => {
        const targets = (await (await fetch(`${url}/api/v1/targets`)).json()) as any;
        return targets.data.activeTargets.length === 2 && targets.data.activeTargets.map((t: any) => t.scrapeUrl).sort();
      },
      10_000,
      'both targets',
    );
    assert.deepEqual(scraped, ['http://127.0.0.1:18000/metrics', 'http://127.0.0.1:18001/metrics']);
    const flags = (await (await fetch(`${url}/api/v1/status/flags`)).json()) as any;
    assert.equal(flags.data['enable-feature'], 'exemplar-storage');
  } finally {
    await script.stop('SIGINT');
  }
  const dataDir = script.output.match(/data in (\S+),/)?.[1];
  assert.ok(dataDir, script.output);
  assert.equal(existsSync(dataDir), false, 'temporary directory removed');
});
