// docker-compose.yml checked offline (no engine needed; test/docker/stack.test.ts builds and runs
// it for real): the Compose Specification schema, the syntax both Compose v2 and docker-compose
// 1.29 accept, ports on 127.0.0.1 only, names that docs/docker.md's docker commands use, and every
// address a service or a mounted config file uses resolving to a service that listens there.
// The file is read with .env's variables in it, as Compose reads it; every image version is kept
// in .env, and that is checked here too.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { ROOT, readCompose, readEnvFile, readRawCompose } from './helpers/compose-file';

const compose = readCompose();
const services: Record<string, any> = compose.services;
const LAB_SERVICES = ['lab18-producer', 'lab18-consumer'];
/** The broker profile's competing consumers: `docker compose --profile broker up --scale consumer=3`. */
const SCALED = 'consumer';

/** The Dockerfile a service is built from (Compose's default name when the file names none). */
const dockerfileOf = (service: any): string => path.join(ROOT, service.build.context, service.build.dockerfile ?? 'Dockerfile');

/**
 * The image's default PORT for a built service: the ENV PORT=... of the Dockerfile's stage that the
 * build argument SERVICE picks; a missing Dockerfile fails its own test below.
 */
function dockerfilePort(service: any): string | undefined {
  if (!service.build || !existsSync(dockerfileOf(service))) return undefined;
  const stages = readFileSync(dockerfileOf(service), 'utf8').split(/^FROM /m);
  const stage = stages.find((s) => s.startsWith(`runtime AS ${service.build.args?.SERVICE}\n`));
  return stage && /^ENV .*\bPORT=(\d+)/m.exec(stage)?.[1];
}

/** host:port pairs each service can be reached at on the compose network. */
function listening(): Set<string> {
  const addresses = new Set<string>();
  for (const [name, service] of Object.entries(services)) {
    const aliases = Object.values<any>(service.networks ?? {}).flatMap((n) => n?.aliases ?? []);
    const ports = (service.ports ?? []).map((p: string) =>
      p
        .split(':')
        .pop()!
        .replace(/\/\w+$/, ''),
    );
    const port = service.environment?.PORT ?? dockerfilePort(service);
    for (const host of [name, ...aliases]) for (const p of [...ports, port].filter(Boolean)) addresses.add(`${host}:${p}`);
  }
  return addresses;
}

test('docker-compose.yml is valid against the Compose Specification schema (shipped by dclint)', () => {
  const schemaFile = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
  const { $schema: _draft07, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8')); // Ajv's default draft
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.equal(validate(compose), true, JSON.stringify(validate.errors, null, 2));
});

test('only syntax that both Compose v2 and docker-compose 1.29 accept', () => {
  assert.equal(compose.name, undefined, 'top-level name: is Compose v2 only');
  assert.equal(compose.version, undefined, 'version: is obsolete in Compose v2 (and optional in 1.29)');
  for (const [name, service] of Object.entries(services)) {
    assert.equal(service.healthcheck?.start_interval, undefined, `${name}: healthcheck.start_interval`);
    for (const [dep, condition] of Object.entries<any>(service.depends_on ?? {})) {
      assert.equal(condition.required, undefined, `${name}: depends_on.${dep}.required`);
    }
    // docker-compose 1.29 ignores deploy.resources (without --compatibility): mem_limit is the portable limit.
    assert.equal(service.deploy, undefined, `${name}: deploy:`);
  }
});

test('every published port is bound to 127.0.0.1', () => {
  const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p: string) => [name, p]));
  assert.ok(published.length >= 7, 'producer, consumer, Prometheus, Grafana and Jaeger publish ports');
  for (const [name, port] of published) assert.match(port, /^127\.0\.0\.1:\d+:\d+(\/tcp)?$/, `${name}: ${port}`);
});

test('each service is named as its container, so docker and docker compose commands take one name (but the scalable consumer)', () => {
  for (const [name, service] of Object.entries(services)) assert.equal(service.container_name, name === SCALED ? undefined : name);
  for (const name of LAB_SERVICES) assert.ok(services[name], `${name} (seed 002's docker stats / restart commands)`);
});

test('the producer: 256 MB limit, heap well below it (V8 OOM before the kernel OOM killer), restarted', () => {
  const producer = services['lab18-producer'];
  assert.equal(producer.mem_limit, '256m');
  assert.equal(producer.memswap_limit, '256m', 'no swap: the limit is the limit');
  assert.equal(producer.environment.MEMORY_LIMIT_MB, '256');
  const heapMb = Number(/--max-old-space-size=(\d+)/.exec(producer.environment.NODE_OPTIONS)?.[1]);
  // Measured: at a 160 MB heap the container peaks at ~161 MiB when V8 gives up (test/docker/).
  assert.ok(heapMb > 0 && heapMb <= 256 * 0.7, `heap ${heapMb} MB leaves room for the rest of the process`);
  for (const name of LAB_SERVICES) {
    assert.equal(services[name].init, true, `${name}: init`);
    assert.equal(services[name].restart, 'unless-stopped', `${name}: restart`);
    assert.equal(services[name].environment.HOST, '0.0.0.0', `${name}: listens on the container's interfaces`);
  }
});

test('the lab services run on a read-only root filesystem (they write nothing to disk)', () => {
  for (const name of LAB_SERVICES) assert.equal(services[name].read_only, true, `${name}: read_only`);
});

test('every service_healthy dependency has a healthcheck (in compose or in its Dockerfile)', () => {
  for (const [name, service] of Object.entries(services)) {
    for (const [dep, { condition }] of Object.entries<any>(service.depends_on ?? {})) {
      if (condition !== 'service_healthy') continue;
      const target = services[dep];
      const inDockerfile = target.build && /^HEALTHCHECK /m.test(readFileSync(dockerfileOf(target), 'utf8'));
      assert.ok(target.healthcheck?.test || inDockerfile, `${name} waits for ${dep} to be healthy, which has no healthcheck`);
    }
  }
});

test("bind mounts are the repository's own config directories", () => {
  const mounts = Object.values(services)
    .flatMap((s) => (s.volumes ?? []) as string[])
    .filter((v) => v.startsWith('.'));
  assert.ok(mounts.includes('./prometheus:/etc/prometheus:ro'));
  for (const mount of mounts) {
    assert.match(mount, /^\.\/[\w/-]+:\/[\w/.-]+:ro$/, `${mount}: a read-only directory of this repository`);
  }
});

const mountedFilesOf = (p: string): string[] =>
  statSync(p).isDirectory() ? readdirSync(p).flatMap((f) => mountedFilesOf(path.join(p, f))) : [p];

/** Every config file under the repository's bind-mounted directories that exists. */
function mountedFiles(): string[] {
  return Object.values(services)
    .flatMap((s) => (s.volumes ?? []) as string[])
    .filter((v) => v.startsWith('./'))
    .map((v) => path.join(ROOT, v.split(':')[0]))
    .filter((source) => existsSync(source))
    .flatMap(mountedFilesOf);
}

test('every address used by a service or a mounted config file is a service listening there', () => {
  const known = listening();
  const used: Array<[string, string]> = [];
  for (const [name, service] of Object.entries(services)) {
    for (const [variable, value] of Object.entries<string>(service.environment ?? {})) {
      // PUBLIC_* addresses are the host's (what a learner's terminal reaches), not the network's.
      if (variable.startsWith('PUBLIC_')) continue;
      // One URL, or a comma-separated list (AMQP_URL: every node of the cluster profile)
      for (const url of value.split(',')) if (/^(https?|amqp|postgres):\/\//.test(url)) used.push([name, new URL(url).host]);
    }
  }
  for (const file of mountedFiles().filter((f) => /\.ya?ml$/.test(f))) {
    const text = readFileSync(file, 'utf8');
    // Prometheus targets ('producer:8000') and Grafana datasource URLs (http://prometheus:9090)
    for (const [, host] of text.matchAll(/targets:\s*\[\s*['"]([\w.-]+:\d+)['"]/g)) used.push([file, host]);
    for (const [, url] of text.matchAll(/url:\s*(https?:\/\/\S+)/g)) used.push([file, new URL(url).host]);
  }
  const where = (s: string) => path.relative(ROOT, s) || s;
  assert.ok(
    used.some(([, host]) => host === 'producer:8000'),
    'Prometheus scrapes producer:8000',
  );
  assert.ok(
    used.some(([, host]) => host === 'lab18-consumer:8001'),
    'the producer and Prometheus reach lab18-consumer:8001',
  );
  for (const host of ['rabbitmq:5672', 'rabbitmq:15672', 'rabbitmq:15692', 'postgres:5432'])
    assert.ok(
      used.some(([, h]) => h === host),
      `${host} is used`,
    );
  for (const [user, host] of used) assert.ok(known.has(host), `${where(user)} uses ${host}, which no service listens at`);
});

test('container paths in the environment and in mounted config files lie in a mount, and exist', () => {
  for (const [name, service] of Object.entries(services)) {
    const mounts = ((service.volumes ?? []) as string[])
      .filter((v) => v.startsWith('./'))
      .map((v) => ({ source: path.join(ROOT, v.split(':')[0]), target: v.split(':')[1] }));
    if (mounts.length === 0) continue;
    const paths = Object.values<string>(service.environment ?? {}).filter((v) => v.startsWith('/'));
    for (const file of mounts.filter((m) => existsSync(m.source)).flatMap((m) => mountedFilesOf(m.source))) {
      // e.g. Grafana's dashboards provider: options.path
      for (const [, p] of readFileSync(file, 'utf8').matchAll(/^\s*path:\s*(\/\S+)/gm)) paths.push(p);
    }
    for (const containerPath of paths) {
      const mount = mounts.find((m) => containerPath === m.target || containerPath.startsWith(`${m.target}/`));
      assert.ok(mount, `${name}: ${containerPath} is in none of its mounts`);
      assert.ok(existsSync(path.join(mount.source, path.relative(mount.target, containerPath))), `${name}: ${containerPath} is missing`);
    }
  }
});

test('every image version is in .env, used through a variable, pinned to a release', () => {
  const env = readEnvFile();
  const raw = readRawCompose().services as Record<string, any>;
  const used = new Set<string>();
  for (const [name, service] of Object.entries(raw)) {
    if (service.image) {
      const variable = /^\$\{(\w+_IMAGE)\}$/.exec(service.image)?.[1];
      assert.ok(variable && env[variable], `${name}: image ${service.image} is not a variable of .env`);
      used.add(variable);
      // A release, not latest or a moving major: name:1.2.3 or name:v1.2.3 (RabbitMQ's -management variant);
      // PostgreSQL numbers its releases major.minor (18.6).
      const release = variable === 'POSTGRES_IMAGE' ? /^postgres:\d+\.\d+$/ : /^[\w./-]+:v?\d+\.\d+\.\d+(-management)?$/;
      assert.match(env[variable], release, `${variable}=${env[variable]}`);
    }
    if (service.build) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own variable syntax
      assert.equal(service.build.args?.NODE_IMAGE, '${NODE_IMAGE}', `${name}: the Node.js base from .env`);
      used.add('NODE_IMAGE');
    }
  }
  assert.deepEqual(Object.keys(env).sort(), [...used].sort(), '.env holds the image versions, each used');
});

test('Grafana runs the version whose schema the dashboard is checked against (@grafana/schema)', () => {
  const schema = JSON.parse(readFileSync(require.resolve('@grafana/schema/package.json'), 'utf8')).version as string;
  const grafana = /:(\d+\.\d+)\.\d+$/.exec(readEnvFile().GRAFANA_IMAGE)?.[1];
  assert.equal(grafana, schema.split('.').slice(0, 2).join('.'), `GRAFANA_IMAGE against @grafana/schema ${schema}`);
});

/** The services `docker compose --profile <profiles>` starts. */
const activeWith = (profiles: string[]) =>
  Object.keys(services).filter(
    (name) => (services[name].profiles ?? []).every((p: string) => profiles.includes(p)) || !services[name].profiles,
  );

test("without a profile nothing changes: the in-memory queue, no RabbitMQ, nothing waits for a profile's service", () => {
  assert.deepEqual(activeWith([]).sort(), [
    'lab18-consumer',
    'lab18-grafana',
    'lab18-jaeger',
    'lab18-producer',
    'lab18-prometheus',
    'lab18-ui',
  ]);
  for (const name of LAB_SERVICES) assert.equal(services[name].environment.QUEUE_BACKEND, 'memory', `${name}: QUEUE_BACKEND`);
  assert.equal(services['lab18-consumer'].environment.DOWNSTREAM, 'none', 'no database behind the consumer');
  // Compose v2 refuses to start a service that depends on one of an inactive profile.
  for (const [name, service] of Object.entries(services)) {
    for (const dep of Object.keys(service.depends_on ?? {})) {
      const needs = services[dep].profiles ?? [];
      assert.ok(
        needs.every((p: string) => (service.profiles ?? []).includes(p)),
        `${name} depends on ${dep} of profile ${needs}`,
      );
    }
  }
});

test('the broker profile: QUEUE_BACKEND=rabbitmq docker compose --profile broker up runs both services on lab18-rabbitmq', () => {
  const onBroker = readCompose({ QUEUE_BACKEND: 'rabbitmq' }).services;
  assert.ok(activeWith(['broker']).includes('lab18-rabbitmq'));
  for (const name of LAB_SERVICES) {
    const env = onBroker[name].environment;
    assert.equal(env.QUEUE_BACKEND, 'rabbitmq', `${name}: QUEUE_BACKEND`);
    // The first of the list; the others are the cluster profile's nodes, skipped when they do not resolve.
    assert.equal(new URL(env.AMQP_URL.split(',')[0]).host, 'rabbitmq:5672', `${name}: AMQP_URL`);
    assert.equal(new URL(env.RABBITMQ_MANAGEMENT_URL.split(',')[0]).host, 'rabbitmq:15672', `${name}: RABBITMQ_MANAGEMENT_URL`);
  }
  const rabbitmq = services['lab18-rabbitmq'];
  assert.deepEqual(rabbitmq.profiles, ['broker']);
  assert.match(rabbitmq.image, /^rabbitmq:4\.\d+\.\d+-management$/, 'a current 4.x with the management UI');
  assert.deepEqual(rabbitmq.ports, ['127.0.0.1:5672:5672', '127.0.0.1:15672:15672', '127.0.0.1:15692:15692']);
  assert.deepEqual(rabbitmq.healthcheck.test, ['CMD', 'rabbitmq-diagnostics', '-q', 'check_port_connectivity']);
  assert.ok(rabbitmq.hostname, 'a fixed host name: RabbitMQ keeps its data under the node name');
  assert.equal(rabbitmq.stop_grace_period, '30s', 'time for its orderly shutdown');
  assert.ok(rabbitmq.volumes.includes('rabbitmq-data:/var/lib/rabbitmq'), 'queued messages outlive the container');
});

test('the cluster profile: three pinned RabbitMQ 4 nodes, clustered by classic_config with one cookie, the services on all three', () => {
  const nodes = ['lab18-rabbit-1', 'lab18-rabbit-2', 'lab18-rabbit-3'];
  const active = activeWith(['cluster']);
  for (const name of nodes) assert.ok(active.includes(name), `${name} in the cluster profile`);
  assert.ok(!active.includes('lab18-rabbitmq'), 'not the single broker (both publish 127.0.0.1:5672)');
  const conf = readFileSync(path.join(ROOT, 'rabbitmq-cluster/rabbitmq.conf'), 'utf8');
  assert.match(conf, /^cluster_formation\.peer_discovery_backend = classic_config$/m);
  const listed = [...conf.matchAll(/^cluster_formation\.classic_config\.nodes\.\d+ = (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual(
    listed,
    nodes.map((n) => `rabbit@${n}`),
    'the config lists each node by its host name',
  );
  const cookies = new Set<string>();
  for (const [i, name] of nodes.entries()) {
    const node = services[name];
    assert.deepEqual(node.profiles, ['cluster']);
    assert.equal(node.image, services['lab18-rabbitmq'].image, 'the same pinned rabbitmq:4.x-management as the broker profile');
    assert.match(node.image, /^rabbitmq:4\.\d+\.\d+-management$/);
    assert.equal(node.hostname, name, 'the node name rabbit@<host> the config lists');
    cookies.add(node.environment.RABBITMQ_ERLANG_COOKIE);
    assert.equal(node.environment.RABBITMQ_CONFIG_FILE, '/etc/rabbitmq/cluster/rabbitmq.conf');
    assert.ok(node.volumes.includes('./rabbitmq:/etc/rabbitmq/conf.d:ro'), "the single broker's defaults too");
    assert.ok(node.volumes.includes(`rabbit-${i + 1}-data:/var/lib/rabbitmq`), 'its own data volume');
    assert.ok(
      node.ports.includes(`127.0.0.1:${5672 + i}:5672`) && node.ports.includes(`127.0.0.1:${15672 + i}:15672`),
      `${name}: ports as natively`,
    );
    assert.deepEqual(node.healthcheck.test, ['CMD', 'rabbitmq-diagnostics', '-q', 'check_port_connectivity']);
  }
  assert.equal(cookies.size, 1, 'one Erlang cookie');
  assert.ok([...cookies][0], 'a cookie is set');
  // The services list every node and take a quorum queue when asked.
  const onCluster = readCompose({ QUEUE_BACKEND: 'rabbitmq', QUEUE_TYPE: 'quorum' }).services;
  for (const name of LAB_SERVICES) {
    const env = onCluster[name].environment;
    assert.equal(env.QUEUE_TYPE, 'quorum', `${name}: QUEUE_TYPE`);
    assert.deepEqual(
      env.AMQP_URL.split(',').map((u: string) => new URL(u).host),
      ['rabbitmq:5672', 'rabbitmq-2:5672', 'rabbitmq-3:5672'],
    );
    assert.deepEqual(
      env.RABBITMQ_MANAGEMENT_URL.split(',').map((u: string) => new URL(u).host),
      ['rabbitmq:15672', 'rabbitmq-2:15672', 'rabbitmq-3:15672'],
    );
  }
  assert.equal(services['lab18-producer'].environment.QUEUE_TYPE, 'classic', 'classic unless QUEUE_TYPE says otherwise');
});

test('the downstream profile: DOWNSTREAM=postgres docker compose --profile downstream up puts lab18-postgres behind the consumer', () => {
  assert.ok(activeWith(['downstream']).includes('lab18-postgres'));
  assert.ok(!activeWith(['broker']).includes('lab18-postgres'));
  const withDatabase = readCompose({ DOWNSTREAM: 'postgres' }).services;
  for (const name of ['lab18-consumer', SCALED]) {
    const env = withDatabase[name].environment;
    assert.equal(env.DOWNSTREAM, 'postgres', `${name}: DOWNSTREAM`);
    const url = new URL(env.DATABASE_URL);
    assert.equal(url.host, 'postgres:5432', `${name}: DATABASE_URL`);
    assert.equal(url.pathname, '/lab');
    assert.equal(url.username, 'lab');
  }
  const postgres = services['lab18-postgres'];
  assert.deepEqual(postgres.profiles, ['downstream']);
  assert.match(postgres.image, /^postgres:18\.\d+$/, 'a current 18.x');
  assert.deepEqual(postgres.volumes, ['postgres-data:/var/lib/postgresql'], "18's data lives under /var/lib/postgresql/18/docker");
  assert.deepEqual(postgres.ports, ['127.0.0.1:5432:5432']);
  assert.deepEqual(postgres.healthcheck.test, ['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', 'lab', '-d', 'lab'], 'over TCP');
  assert.equal(postgres.environment.POSTGRES_USER, 'lab');
  assert.equal(postgres.environment.POSTGRES_DB, 'lab');
});

test("RabbitMQ's config: the mounted conf.d file sets statistics every second and lets guest in from other containers", () => {
  const mount = services['lab18-rabbitmq'].volumes.find((v: string) => v.startsWith('./'));
  assert.equal(mount, './rabbitmq:/etc/rabbitmq/conf.d:ro', "conf.d: read by the official image and by Debian's 3.10");
  const settings = Object.fromEntries(
    readFileSync(path.join(ROOT, 'rabbitmq/rabbitmq.conf'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => line.split('=').map((s) => s.trim())),
  );
  assert.deepEqual(settings, {
    'loopback_users.guest': 'false',
    collect_statistics_interval: '1000',
    'management_agent.disable_metrics_collector': 'false',
  });
});

test('every service built here is built from the one Dockerfile, with a SERVICE it has a stage for', () => {
  const stageNames = [...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
  for (const [name, service] of Object.entries(services).filter(([, s]) => s.build)) {
    assert.equal(dockerfileOf(service), path.join(ROOT, 'Dockerfile'), name);
    assert.ok(stageNames.includes(service.build.args.SERVICE), `${name}: SERVICE=${service.build.args.SERVICE}`);
    assert.ok(dockerfilePort(service), `${name}: its stage sets PORT`);
  }
});

test('the browser view: lab18-ui on 127.0.0.1:8080, built as SERVICE=ui, reading the producer and the consumer', () => {
  const ui = services['lab18-ui'];
  assert.deepEqual(ui.build, { context: '.', args: { NODE_IMAGE: readEnvFile().NODE_IMAGE, SERVICE: 'ui' } });
  assert.deepEqual(ui.ports, ['127.0.0.1:8080:8080']);
  assert.equal(ui.environment.UI_PORT, '8080');
  assert.equal(ui.environment.HOST, '0.0.0.0', "listens on the container's interfaces");
  assert.equal(new URL(ui.environment.PRODUCER_URL).host, 'producer:8000');
  assert.equal(new URL(ui.environment.CONSUMER_URL).host, 'lab18-consumer:8001');
  assert.equal(ui.read_only, true);
  assert.equal(ui.init, true);
  assert.equal(ui.restart, 'unless-stopped');
});

/** The names a service answers to on the compose network: its own and its aliases. */
const networkNames = (name: string) => [name, ...Object.values<any>(services[name].networks ?? {}).flatMap((n) => n?.aliases ?? [])];

test('the competing consumers: `--scale consumer=N` in the broker profile, on the broker, no container_name, no host port', () => {
  const scaled = services[SCALED];
  const single = services['lab18-consumer'];
  assert.deepEqual(scaled.profiles, ['broker']);
  assert.equal(scaled.scale, 0, 'none unless asked for: the broker exercises count on lab18-consumer alone');
  assert.equal(scaled.container_name, undefined, '--scale needs Compose to name the replicas');
  assert.equal(scaled.ports, undefined, 'replicas cannot all be published on 127.0.0.1:8001');
  assert.deepEqual(scaled.expose, [scaled.environment.PORT]);
  assert.deepEqual(scaled.build, single.build, 'the same image as lab18-consumer');
  assert.equal(scaled.environment.QUEUE_BACKEND, 'rabbitmq', 'always on the broker, whatever QUEUE_BACKEND says');
  assert.equal(new URL(scaled.environment.AMQP_URL).host, 'rabbitmq:5672');
  for (const variable of ['HOST', 'PORT', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    assert.equal(scaled.environment[variable], single.environment[variable], variable);
  }
  for (const setting of ['read_only', 'init', 'restart', 'healthcheck']) assert.deepEqual(scaled[setting], single[setting], setting);
  assert.deepEqual(scaled.depends_on, { 'lab18-rabbitmq': { condition: 'service_healthy' } });
  // lab18-consumer stays the one consumer seed 002's commands and the other services address.
  assert.deepEqual(single.ports, ['127.0.0.1:8001:8001']);
  // Docker's DNS answers a name with every container that has it: the scaled consumers' names
  // (the service's own and its alias) belong to no other service.
  for (const [name] of Object.entries(services).filter(([n]) => n !== SCALED)) {
    for (const taken of networkNames(SCALED)) assert.ok(!networkNames(name).includes(taken), `${name} also answers to ${taken}`);
  }
});

test("Prometheus finds every scaled consumer through Docker's DNS (dns_sd_configs, type A) on their alias and port", () => {
  const config = parse(readFileSync(path.join(ROOT, 'prometheus/prometheus.yml'), 'utf8'));
  const jobs = config.scrape_configs.filter((job: any) => job.dns_sd_configs);
  assert.equal(jobs.length, 1, 'one job discovers in DNS');
  const [sd] = jobs[0].dns_sd_configs;
  assert.equal(sd.type, 'A', 'one A record per replica');
  assert.deepEqual(sd.names, ['broker-consumer']);
  assert.ok(networkNames(SCALED).includes(sd.names[0]), `${sd.names[0]} is an alias of ${SCALED}`);
  assert.equal(String(sd.port), services[SCALED].environment.PORT);
});
