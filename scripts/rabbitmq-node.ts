// One node of Debian's RabbitMQ as a plain process (scripts/rabbitmq-server.ts starts one or
// several and the epmd they share). Its files live in `dir`; it can be killed (SIGKILL, as a
// crash), hung (SIGSTOP, as a node that stops answering), stopped cleanly and started again with
// the same files and name, so a restarted node rejoins its cluster.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const STOP_TIMEOUT_MS = 20_000;

export interface NodeSpec {
  amqpPort: number;
  managementPort: number;
  distPort: number;
  /** Every node of the cluster by name, this one included (one name: no clustering). */
  clusterNodes: string[];
}

/** Node names are fixed by the AMQP port, so a node restarted on its port is the same node. */
export const nodeNameFor = (amqpPort: number) => `lab${amqpPort}@localhost`;

/** The rabbitmq.conf for a node on these ports (statistics every second: /status polls them). */
export function rabbitmqConfig(amqpPort: number, managementPort: number, clusterNodes: string[] = []): string {
  const lines = [
    `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
    'loopback_users = none',
    'management.tcp.ip = 127.0.0.1',
    `management.tcp.port = ${managementPort}`,
    'collect_statistics_interval = 1000',
  ];
  if (clusterNodes.length > 1) {
    lines.push('cluster_formation.peer_discovery_backend = classic_config');
    for (const [i, name] of clusterNodes.entries()) lines.push(`cluster_formation.classic_config.nodes.${i + 1} = ${name}`);
  }
  return [...lines, ''].join('\n');
}

export class RabbitMQNode {
  readonly nodeName: string;
  readonly amqpUrl: string;
  readonly managementUrl: string;
  /** The server's output so far (with stdio "pipe"), across restarts. */
  readonly output: string[] = [];
  private child?: ChildProcess;
  private exitedPromise: Promise<void> = Promise.resolve();
  private readonly dir: string;
  private readonly pidFile: string;

  constructor(
    readonly spec: NodeSpec,
    clusterDir: string,
    /** HOME (the shared Erlang cookie) and ERL_EPMD_PORT. */
    private readonly sharedEnv: Record<string, string>,
    private readonly stdio: 'inherit' | 'pipe',
  ) {
    this.nodeName = nodeNameFor(spec.amqpPort);
    this.amqpUrl = `amqp://guest:guest@127.0.0.1:${spec.amqpPort}`;
    this.managementUrl = `http://guest:guest@127.0.0.1:${spec.managementPort}`;
    this.dir = path.join(clusterDir, this.nodeName.replace('@', '-'));
    for (const sub of ['mnesia', 'log']) mkdirSync(path.join(this.dir, sub), { recursive: true });
    writeFileSync(path.join(this.dir, 'rabbitmq.conf'), rabbitmqConfig(spec.amqpPort, spec.managementPort, spec.clusterNodes));
    writeFileSync(path.join(this.dir, 'enabled_plugins'), '[rabbitmq_management].\n');
    writeFileSync(path.join(this.dir, 'rabbitmq-env.conf'), ''); // skips /etc/rabbitmq/rabbitmq-env.conf
    this.pidFile = path.join(this.dir, 'rabbitmq.pid');
  }

  /** The environment of this node's server and of rabbitmqctl against it. */
  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.sharedEnv,
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_NODE_PORT: String(this.spec.amqpPort),
      RABBITMQ_DIST_PORT: String(this.spec.distPort),
      RABBITMQ_MNESIA_BASE: path.join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(this.dir, 'log'),
      RABBITMQ_CONFIG_FILE: path.join(this.dir, 'rabbitmq'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, 'enabled_plugins'),
      RABBITMQ_CONF_ENV_FILE: path.join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_PID_FILE: this.pidFile,
    };
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when the current server process has exited, whoever stopped it. */
  get exited(): Promise<void> {
    return this.exitedPromise;
  }

  /** Starts the server process (again, after a kill or stop); does not wait for it to answer. */
  start(): void {
    if (this.running) return;
    rmSync(this.pidFile, { force: true }); // the last VM's PID is not this one's
    const child = spawn(RABBITMQ_SERVER, [], { env: this.env, stdio: ['ignore', this.stdio, this.stdio] });
    child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.child = child;
  }

  /** A clean stop (SIGTERM: the script stops the VM and waits for it), SIGKILL after a deadline. */
  async stop(): Promise<void> {
    this.signalVm('SIGCONT'); // a hung node cannot stop
    if (this.running) this.child?.kill('SIGTERM');
    await Promise.race([this.exited, sleep(STOP_TIMEOUT_MS)]);
    await this.kill();
  }

  /** Ends the node abruptly (SIGKILL of the VM), as a crash would. */
  async kill(): Promise<void> {
    this.signalVm('SIGKILL');
    if (this.running) this.child?.kill('SIGKILL');
    await this.exited;
  }

  /**
   * What it said last: its log's errors, then the end of its output and of its log file. Once its
   * logging is set up a node writes only to the file, so the reason it stopped (a port in use,
   * say) is there.
   */
  lastWords(chars = 2_000): string {
    const logDir = path.join(this.dir, 'log');
    const log = readdirSync(logDir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => readFileSync(path.join(logDir, name), 'utf8'))
      .join('\n');
    const output = this.output.join('');
    // The Erlang VM's last line when it gives up, e.g. "init terminating in do_boot
    // ({error,{could_not_start_listener,127.0.0.1,21001,…", then the log's errors.
    const reasons = [
      ...output.split('\n').filter((line) => line.startsWith('init terminating')),
      ...log
        .split('\n')
        .filter((line) => /\[(error|critical)\]/.test(line))
        .slice(-10),
    ];
    return [
      `--- ${this.nodeName}: why it stopped\n${reasons.join('\n')}`,
      `--- its output\n${output.slice(-chars)}`,
      `--- its log\n${log.slice(-chars)}`,
    ].join('\n');
  }

  /** Hangs the node (SIGSTOP): its sockets stay open and nothing answers. */
  pause(): void {
    this.signalVm('SIGSTOP');
  }

  resume(): void {
    this.signalVm('SIGCONT');
  }

  /** The Erlang VM's own PID (the script forks it): signals reach it, not the script. */
  vmPid(): number | undefined {
    try {
      return Number(readFileSync(this.pidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  private signalVm(signal: NodeJS.Signals): void {
    const pid = this.vmPid();
    if (!pid || !this.running) return;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
