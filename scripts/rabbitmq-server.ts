// Debian's RabbitMQ (apt-get install rabbitmq-server) as a plain process: no init system, no
// root-owned directories. Everything it writes goes to a temporary directory that is removed when
// it stops. Used by `npm run rabbitmq` (scripts/rabbitmq.ts) and by the tests
// (test/helpers/rabbitmq.ts), so a broker is started one way only.
//
// Erlang nodes find each other through `epmd`, which the node would start as a daemon on port
// 4369 that outlives it and is shared with every other node on the machine. Instead each broker
// gets its own epmd, started here on a free port as a child we can stop by PID (ERL_EPMD_PORT
// tells the node where it is).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port';

export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const RABBITMQCTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';
export const INSTALL_HINT = 'RabbitMQ is not installed. On Debian or Ubuntu: sudo apt-get install rabbitmq-server';
/** Seen here: about 10 s to accept AMQP; more on a machine busy with other work. */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

export interface RabbitMQOptions {
  /** AMQP port on 127.0.0.1 (0: a free one). */
  amqpPort: number;
  /** Management HTTP API port on 127.0.0.1 (0: a free one). */
  managementPort: number;
  /** Where its output goes; by default it is kept in memory (see `output`). */
  stdio?: 'inherit' | 'pipe';
}

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

export const rabbitmqInstalled = () => existsSync(RABBITMQ_SERVER);

/** The rabbitmq.conf for a node on these ports (statistics every second: /status polls them). */
export function rabbitmqConfig(amqpPort: number, managementPort: number): string {
  return [
    `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
    'loopback_users = none',
    'management.tcp.ip = 127.0.0.1',
    `management.tcp.port = ${managementPort}`,
    'collect_statistics_interval = 1000',
    '',
  ].join('\n');
}

export async function startRabbitMQ(options: RabbitMQOptions): Promise<RabbitMQ> {
  if (!rabbitmqInstalled()) throw new Error(INSTALL_HINT);
  const amqpPort = options.amqpPort || (await freePort());
  const managementPort = options.managementPort || (await freePort());
  const [distPort, epmdPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backpressure-rabbitmq-'));
  for (const sub of ['mnesia', 'log']) mkdirSync(path.join(dir, sub));
  writeFileSync(path.join(dir, 'rabbitmq.conf'), rabbitmqConfig(amqpPort, managementPort));
  writeFileSync(path.join(dir, 'enabled_plugins'), '[rabbitmq_management].\n');
  const nodeName = `lab${amqpPort}@localhost`;
  const pidFile = path.join(dir, 'rabbitmq.pid');
  const env = {
    ...process.env,
    HOME: dir,
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: pidFile,
  };
  const stdio = options.stdio ?? 'pipe';
  const output: string[] = [];
  const collect = (child: ChildProcess) => {
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  };
  const epmd = spawn('epmd', ['-port', String(epmdPort)], { env, stdio: ['ignore', stdio, stdio] });
  collect(epmd);
  await waitForPort(epmdPort, 10_000);
  const node = spawn(RABBITMQ_SERVER, [], { env, stdio: ['ignore', stdio, stdio] });
  collect(node);
  const exited = new Promise<void>((resolve) => node.once('exit', () => resolve()));
  const epmdExited = new Promise<void>((resolve) => epmd.once('exit', () => resolve()));
  const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

  /** The Erlang VM's own PID (the script forks it): for a SIGKILL that leaves nothing behind. */
  const vmPid = () => {
    try {
      return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  };
  const killVm = () => {
    const pid = vmPid();
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  let stopped = false;
  const rabbit: RabbitMQ = {
    amqpUrl: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    managementUrl: `http://guest:guest@127.0.0.1:${managementPort}`,
    nodeName,
    output,
    exited,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (alive(node)) node.kill('SIGTERM'); // the script stops the VM cleanly and waits for it
      await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
      killVm();
      if (alive(node)) node.kill('SIGKILL');
      if (alive(epmd)) epmd.kill('SIGTERM');
      await Promise.race([epmdExited, sleep(5_000)]);
      rmSync(dir, { recursive: true, force: true });
    },
    ctl(...args: string[]) {
      return new Promise<string>((resolve, reject) =>
        execFile(RABBITMQCTL, ['-n', nodeName, '-q', ...args], { env }, (err, out) => (err ? reject(err) : resolve(out))),
      );
    },
    async listQueues() {
      const stdout = await rabbit.ctl('list_queues', 'name', 'messages_ready', 'messages_unacknowledged');
      const queues: Record<string, { ready: number; unacked: number }> = {};
      for (const line of stdout.split('\n')) {
        const [name, ready, unacked] = line.trim().split(/\s+/);
        if (name && /^\d+$/.test(ready ?? '') && /^\d+$/.test(unacked ?? ''))
          queues[name] = { ready: Number(ready), unacked: Number(unacked) };
      }
      return queues;
    },
    async kill() {
      killVm();
      if (alive(node)) node.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await Promise.race([
      waitForManagement(rabbit.managementUrl, START_TIMEOUT_MS),
      exited.then(() => Promise.reject(new Error('rabbitmq-server exited while starting'))),
    ]);
  } catch (err) {
    await rabbit.stop();
    throw new Error(`${(err as Error).message}\n${output.join('').slice(-4000)}`);
  }
  return rabbit;
}

/** Ready once the management API answers (it starts after the AMQP listener). */
async function waitForManagement(managementUrl: string, timeoutMs: number): Promise<void> {
  const { origin, username, password } = new URL(managementUrl);
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${origin}/api/overview`, { headers: { authorization } }).catch(() => undefined);
    if (res?.ok) return;
    await sleep(250);
  }
  throw new Error(`RabbitMQ did not answer on ${origin} within ${timeoutMs / 1000} s`);
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
