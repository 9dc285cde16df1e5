// Turns docker-compose.yml, as `docker-compose config` resolves it, into the file the CI run uses:
// the same services, builds and settings, but on the host network, on free 127.0.0.1 ports.
//
// An override file cannot do this (compose merges `ports`, and host networking refuses port
// bindings), so the resolved file is rewritten:
// - services whose image cannot be had here are left out, and so are environment variables and
//   depends_on entries that point at them, unless a stand-in is given: an image to run instead
//   (Prometheus from Debian's binary), or a server the test runs on the host (an OTLP receiver
//   for Jaeger), whose address then replaces the service's;
// - ports, networks and hostnames go; every published port gets a free host port, and addresses
//   by service name or alias (http://lab18-consumer:8001, producer:8000) become 127.0.0.1:<that port>,
//   in the environment, in healthchecks and in bind-mounted config directories (copied, then
//   rewritten);
// - services listen on 127.0.0.1 (HOST, and PORT or any *_PORT naming a published port, such as
//   the browser view's UI_PORT) and builds use the host network;
// - a service that exposes a port but publishes none (the broker profile's scalable `consumer`)
//   gets PORT=0 instead: its replicas share one environment, and on the host network each needs a
//   port of its own, which each picks itself (and logs). Its image's healthcheck asks PORT, so it
//   is turned off for it.
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './free-port';

export type ComposeFile = { services: Record<string, ComposeService> } & Record<string, unknown>;
export type ComposeService = Record<string, any>;

export interface StandIns {
  /** Services run from another image. */
  images?: Record<string, string>;
  /** Services replaced by servers on the host: their container port → the host port. */
  onHost?: Record<string, Record<number, number>>;
}

export interface HostNetworkPlan {
  compose: ComposeFile;
  /** Host port given to each kept service's first published port. */
  ports: Record<string, number>;
  /** Rewrites `name:port` addresses of kept services to 127.0.0.1:<host port>. */
  rewrite(text: string): string;
}

/** Names a service answers to on the compose network: its own and its aliases. */
function networkNames(name: string, service: ComposeService): string[] {
  const aliases = Object.values(service.networks ?? {}).flatMap((n: any) => n?.aliases ?? []);
  return [name, ...aliases];
}

/** Container ports of "127.0.0.1:8000:8000/tcp" entries (or the long syntax). */
function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((p: string | { target: number }) =>
    typeof p === 'string'
      ? Number(
          p
            .replace(/\/\w+$/, '')
            .split(':')
            .pop(),
        )
      : p.target,
  );
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function hostNetworkCompose(resolved: ComposeFile, standIns: StandIns, workDir: string): Promise<HostNetworkPlan> {
  const images = standIns.images ?? {};
  const onHost = standIns.onHost ?? {};
  const kept = Object.keys(resolved.services).filter((name) => resolved.services[name].build || images[name]);
  // A name only a left-out service answers to. An alias that a kept service also has stays
  // reachable: the cluster profile's first node is `rabbitmq` too, like the broker profile's broker.
  const reachable = new Set(
    Object.keys(resolved.services)
      .filter((name) => kept.includes(name) || onHost[name])
      .flatMap((name) => networkNames(name, resolved.services[name])),
  );
  const unavailable = new Set(
    Object.keys(resolved.services)
      .filter((name) => !kept.includes(name) && !onHost[name])
      .flatMap((name) => networkNames(name, resolved.services[name]))
      .filter((alias) => !reachable.has(alias)),
  );

  // name:containerPort -> 127.0.0.1:hostPort, for every kept service and every one on the host
  const addresses = new Map<string, string>();
  for (const [name, hostPorts] of Object.entries(onHost)) {
    for (const [target, hostPort] of Object.entries(hostPorts)) {
      for (const alias of networkNames(name, resolved.services[name])) addresses.set(`${alias}:${target}`, `127.0.0.1:${hostPort}`);
    }
  }
  const ports: Record<string, number> = {};
  const ownPorts: Record<string, Map<number, number>> = {};
  for (const name of kept) {
    ownPorts[name] = new Map();
    for (const target of containerPorts(resolved.services[name])) {
      const hostPort = await freePort();
      ownPorts[name].set(target, hostPort);
      ports[name] ??= hostPort;
      for (const alias of networkNames(name, resolved.services[name])) addresses.set(`${alias}:${target}`, `127.0.0.1:${hostPort}`);
    }
  }
  const rewrite = (text: string) =>
    [...addresses].reduce((t, [from, to]) => t.replace(new RegExp(`(?<![\\w.-])${escapeRegExp(from)}(?!\\d)`, 'g'), to), text);
  const rewriteOwn = (name: string, text: string) =>
    [...ownPorts[name]].reduce((t, [target, hostPort]) => t.replaceAll(`127.0.0.1:${target}`, `127.0.0.1:${hostPort}`), text);

  const services: Record<string, ComposeService> = {};
  for (const name of kept) {
    // Host networking refuses a hostname of the container's own, and port bindings.
    const { ports: _published, networks: _networks, hostname: _hostname, expose, ...service } = structuredClone(resolved.services[name]);
    const scalable = ownPorts[name].size === 0 && (expose ?? []).length > 0;
    service.network_mode = 'host';
    if (images[name]) service.image = images[name];
    if (service.build) service.build.network = 'host';

    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries<string | null>(service.environment ?? {})) {
      if (value === null) continue;
      const host = URL.canParse(value) ? new URL(value).hostname : '';
      if (unavailable.has(host)) continue;
      if (key === 'HOST') environment[key] = '127.0.0.1';
      else if (/^(\w+_)?PORT$/.test(key) && ownPorts[name].has(Number(value))) environment[key] = String(ownPorts[name].get(Number(value)));
      else if (key === 'PORT' && scalable) environment[key] = '0';
      else environment[key] = rewrite(value);
    }
    if (service.environment) service.environment = environment;
    if (scalable) service.healthcheck = { disable: true };

    if (service.depends_on) {
      service.depends_on = Object.fromEntries(Object.entries(service.depends_on).filter(([dep]) => kept.includes(dep)));
    }
    if (Array.isArray(service.healthcheck?.test)) {
      service.healthcheck.test = service.healthcheck.test.map((arg: string) => rewriteOwn(name, rewrite(arg)));
    }
    if (Array.isArray(service.command)) service.command = service.command.map(rewrite);
    if (service.volumes) service.volumes = service.volumes.map((volume: string) => copyBindMount(volume, rewrite, workDir));
    services[name] = service;
  }
  // Named volumes only of the services kept (none for Grafana's data when Grafana is left out).
  const used = new Set(Object.values(services).flatMap((s) => (s.volumes ?? []).map((v: string) => v.split(':')[0])));
  const volumes = Object.fromEntries(Object.entries((resolved.volumes ?? {}) as object).filter(([volume]) => used.has(volume)));
  return { compose: { ...resolved, services, volumes }, ports, rewrite };
}

/** A bind-mounted directory or file is copied into workDir with its addresses rewritten. */
function copyBindMount(volume: string, rewrite: (text: string) => string, workDir: string): string {
  const [source, ...rest] = volume.split(':');
  if (!path.isAbsolute(source)) return volume; // a named volume
  const copy = path.join(workDir, 'mounts', source);
  cpSync(source, copy, { recursive: true });
  for (const file of statSync(copy).isDirectory() ? listFiles(copy) : [copy]) {
    writeFileSync(file, rewrite(readFileSync(file, 'utf8')));
  }
  return [copy, ...rest].join(':');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}
