// Debian's RabbitMQ (apt-get install rabbitmq-server) as plain processes: no init system, no
// root-owned directories. One node, or a cluster of several on 127.0.0.1 (classic_config peer
// discovery). Everything they write goes to a temporary directory that is removed when they stop.
// Used by `npm run rabbitmq` (scripts/rabbitmq.ts), `npm run rabbitmqctl`, the tests
// (test/helpers/rabbitmq.ts, test/helpers/rabbitmq-cluster.ts) and the bench, so a broker is
// started one way only.
//
// Erlang nodes find each other through `epmd`, which a node would start as a daemon on port 4369
// that outlives it and is shared with every other node on the machine. Instead each lab gets its
// own epmd, started here on a free port as a child we can stop by PID (ERL_EPMD_PORT tells the
// nodes where it is). The nodes of a cluster share HOME, whose .erlang.cookie lets them talk.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port';
import { nodeNameFor, RABBITMQ_SERVER, RabbitMQNode } from './rabbitmq-node';

export { RabbitMQNode, rabbitmqConfig } from './rabbitmq-node';
export { RABBITMQ_SERVER };

export const RABBITMQCTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';
export const INSTALL_HINT = 'RabbitMQ is not installed. On Debian or Ubuntu: sudo apt-get install rabbitmq-server';
/** Seen here: about 10 s to accept AMQP, 27 s for three nodes to form a cluster; more on a busy machine. */
const START_TIMEOUT_MS = 180_000;

export interface RabbitMQOptions {
  /** AMQP port on 127.0.0.1 of the first node; the next nodes take the ports after it (0: free ones). */
  amqpPort: number;
  /** Management HTTP API port of the first node, likewise. */
  managementPort: number;
  /** How many nodes (1: a single broker, no clustering). */
  nodes?: number;
  /** Where their output goes; by default it is kept in memory (see `output`). */
  stdio?: 'inherit' | 'pipe';
}

/** One node, as the single-broker tests and the bench use it. */
export interface RabbitMQ {
  amqpUrl: string;
  managementUrl: string;
  nodeName: string;
  /** The server's output so far (with stdio "pipe"). */
  output: string[];
  /** Ends the node (SIGTERM: a clean stop), then its epmd, and removes its directory. */
  stop(): Promise<void>;
  /** Ends the node abruptly (SIGKILL), as a crash would; stop() still cleans up. */
  kill(): Promise<void>;
  /** Resolves when the node has exited, whoever stopped it. */
  readonly exited: Promise<void>;
  /**
   * Ready and unacked messages per queue, asked of the queues themselves (rabbitmqctl, ~1 s):
   * exact, where the management API's statistics can be seconds behind.
   */
  listQueues(): Promise<Record<string, { ready: number; unacked: number }>>;
  /** Runs rabbitmqctl against this node (e.g. `stop_app`: the broker down, its data kept). */
  ctl(...args: string[]): Promise<string>;
}

export interface RabbitMQCluster {
  nodes: RabbitMQNode[];
  /** Every node's AMQP URL, comma-separated: what AMQP_URL takes. */
  amqpUrl: string;
  /** Every node's management URL, comma-separated: what RABBITMQ_MANAGEMENT_URL takes. */
  managementUrl: string;
  /** HOME (the cookie) and ERL_EPMD_PORT: what rabbitmqctl needs to reach the nodes. */
  sharedEnv: { HOME: string; ERL_EPMD_PORT: string };
  /** The temporary directory holding everything. */
  dir: string;
  /** Stops every node cleanly, then epmd, and removes the directory. */
  stop(): Promise<void>;
  /** rabbitmqctl against node `index` (0-based); resolves with its output. */
  rabbitmqctl(index: number, args: string[]): Promise<string>;
  /**
   * Waits until node `index` answers on its management API and sees `expected` nodes running;
   * rejects after `timeoutMs` (by default as long as a start may take).
   */
  waitReady(index: number, expected?: number, timeoutMs?: number): Promise<void>;
}

export const rabbitmqInstalled = () => existsSync(RABBITMQ_SERVER);

export async function startRabbitMQCluster(options: RabbitMQOptions): Promise<RabbitMQCluster> {
  if (!rabbitmqInstalled()) throw new Error(INSTALL_HINT);
  const count = options.nodes ?? 1;
  const portOf = async (base: number, i: number) => (base ? base + i : await freePort());
  const specs = [];
  for (let i = 0; i < count; i++) {
    specs.push({
      amqpPort: await portOf(options.amqpPort, i),
      managementPort: await portOf(options.managementPort, i),
      distPort: await freePort(),
    });
  }
  const clusterNodes = specs.map((spec) => nodeNameFor(spec.amqpPort));
  const epmdPort = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backpressure-rabbitmq-'));
  writeFileSync(path.join(dir, '.erlang.cookie'), randomBytes(16).toString('hex'), { mode: 0o400 });
  const sharedEnv = { HOME: dir, ERL_EPMD_PORT: String(epmdPort) };
  const stdio = options.stdio ?? 'pipe';
  const nodes = specs.map((spec) => new RabbitMQNode({ ...spec, clusterNodes }, dir, sharedEnv, stdio));

  const epmd = spawn('epmd', ['-port', String(epmdPort)], { env: { ...process.env, ...sharedEnv }, stdio: ['ignore', stdio, stdio] });
  const epmdExited = new Promise<void>((resolve) => epmd.once('exit', () => resolve()));
  const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
  let stopped = false;
  const cluster: RabbitMQCluster = {
    nodes,
    amqpUrl: nodes.map((node) => node.amqpUrl).join(','),
    managementUrl: nodes.map((node) => node.managementUrl).join(','),
    sharedEnv,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(nodes.map((node) => node.stop()));
      if (alive(epmd)) epmd.kill('SIGTERM');
      await Promise.race([epmdExited, sleep(5_000)]);
      rmSync(dir, { recursive: true, force: true });
    },
    rabbitmqctl(index, args) {
      const node = nodes[index];
      if (!node) return Promise.reject(new Error(`no node ${index + 1} (the lab has ${nodes.length})`));
      return new Promise<string>((resolve, reject) =>
        execFile(RABBITMQCTL, ['-n', node.nodeName, ...args], { env: node.env }, (err, stdout, stderr) =>
          err ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
        ),
      );
    },
    waitReady: (index, expected = 1, timeoutMs = START_TIMEOUT_MS) => waitForNodes(nodes[index], expected, timeoutMs),
  };
  try {
    await waitForPort(epmdPort, 10_000);
    for (const node of nodes) node.start();
    // Each node answers, then sees every node running: the cluster has formed.
    await Promise.all(
      nodes.map((node) =>
        Promise.race([
          waitForNodes(node, count, START_TIMEOUT_MS),
          node.exited.then(() => Promise.reject(new Error(`rabbitmq-server ${node.nodeName} exited while starting`))),
        ]),
      ),
    );
  } catch (err) {
    // A node that exited first, then the others: what CI shows of a long message is its start.
    const exitedFirst = [...nodes].sort((a, b) => Number(a.running) - Number(b.running));
    const output = exitedFirst.map((node) => node.lastWords()).join('\n');
    await cluster.stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return cluster;
}

/** One node, as before: a cluster of one. */
export async function startRabbitMQ(options: RabbitMQOptions): Promise<RabbitMQ> {
  const cluster = await startRabbitMQCluster({ ...options, nodes: 1 });
  const [node] = cluster.nodes as [RabbitMQNode];
  return {
    amqpUrl: node.amqpUrl,
    managementUrl: node.managementUrl,
    nodeName: node.nodeName,
    output: node.output,
    get exited() {
      return node.exited;
    },
    stop: () => cluster.stop(),
    kill: () => node.kill(),
    ctl: (...args) => cluster.rabbitmqctl(0, ['-q', ...args]),
    listQueues: async () =>
      parseQueueCounts(await cluster.rabbitmqctl(0, ['-q', 'list_queues', 'name', 'messages_ready', 'messages_unacknowledged'])),
  };
}

/** `rabbitmqctl list_queues name messages_ready messages_unacknowledged` as numbers per queue. */
export function parseQueueCounts(stdout: string): Record<string, { ready: number; unacked: number }> {
  const queues: Record<string, { ready: number; unacked: number }> = {};
  for (const line of stdout.split('\n')) {
    const [name, ready, unacked] = line.trim().split(/\s+/);
    if (name && /^\d+$/.test(ready ?? '') && /^\d+$/.test(unacked ?? '')) queues[name] = { ready: Number(ready), unacked: Number(unacked) };
  }
  return queues;
}

/** Ready once the management API answers (it starts after the AMQP listener) and lists `expected` running nodes. */
async function waitForNodes(node: RabbitMQNode | undefined, expected: number, timeoutMs: number): Promise<void> {
  if (!node) throw new Error('no such node');
  const { origin, username, password } = new URL(node.managementUrl);
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    const res = await fetch(`${origin}/api/nodes`, { headers: { authorization } }).catch(() => undefined);
    if (res?.ok) {
      const list = (await res.json()) as { running?: boolean }[];
      seen = list.filter((n) => n.running).length;
      if (seen >= expected) return;
    }
    await sleep(250);
  }
  throw new Error(`RabbitMQ on ${origin} did not see ${expected} running node(s) within ${timeoutMs / 1000} s (saw ${seen})`);
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}
