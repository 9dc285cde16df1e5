// The process supervisor behind `npm start`: runs each instance (a producer, a consumer or the
// browser view) as a Node process, restarts one that exits by itself (as `restart:
// unless-stopped` does in docker-compose.yml), and stops one on request with SIGTERM, gracefully: that is how the
// autoscaler removes a consumer (autoscaler.ts). It knows every instance's state, restarts and
// last exit, for the banner, the supervisor's /status and `npm run watch`.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, type Registry } from 'prom-client';

const RESTART_DELAY_MS = 1000;
/** How long an instance that was started is watched for its first healthy answer. */
const HEALTH_PATIENCE_MS = 120_000;
/** A stopped instance that has not exited by then is killed (its unacked items go back to the broker). */
const STOP_DEADLINE_MS = 15_000;

export type Role = 'producer' | 'consumer' | 'ui';

export interface InstanceSpec {
  role: Role;
  /** producer-1, consumer-3, … (its INSTANCE). */
  name: string;
  port: number;
  nodeArgs?: string[];
  env: NodeJS.ProcessEnv;
}

export interface Instance extends InstanceSpec {
  url: string;
  state: 'starting' | 'up' | 'restarting' | 'stopping';
  pid?: number;
  restarts: number;
  /** How it last exited by itself ("SIGKILL", "code 1"), and when. */
  lastExit?: { reason: string; at: string };
  child?: ChildProcess;
}

const dist = path.resolve(__dirname, '..');

export class Supervisor {
  readonly instances: Instance[] = [];
  /** Runs when an instance first answers /health, before it counts as up: its role's settings (fleet-settings.ts). */
  beforeUp?: (instance: Instance) => Promise<void>;
  private stopping = false;
  private readonly restartCounter: Counter;

  constructor(
    private readonly host: string,
    registry: Registry,
    private readonly say: (line: string) => void = (line) => console.error(line),
  ) {
    this.restartCounter = new Counter({
      name: 'backpressure_supervisor_restarts_total',
      help: 'Instances restarted after they exited by themselves',
      labelNames: ['instance'],
      registers: [registry],
    });
  }

  of(role: Role): Instance[] {
    return this.instances.filter((i) => i.role === role && i.state !== 'stopping');
  }

  /** Starts an instance and resolves once it answers /health (false: it did not within the time). */
  async add(spec: InstanceSpec, timeoutMs = 60_000): Promise<boolean> {
    const instance: Instance = { ...spec, url: `http://${this.host}:${spec.port}`, state: 'starting', restarts: 0 };
    this.instances.push(instance);
    this.run(instance);
    // On a busy machine it may answer later: it still becomes up then, though the caller stops waiting.
    const healthy = this.waitHealthy(instance, HEALTH_PATIENCE_MS);
    return Promise.race([healthy, sleep(timeoutMs).then(() => false)]);
  }

  /** SIGTERM, and resolves once it has exited: a consumer finishes and acks what it holds first. */
  async remove(instance: Instance): Promise<void> {
    instance.state = 'stopping';
    await this.terminate(instance);
    this.instances.splice(this.instances.indexOf(instance), 1);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.instances.map((i) => this.terminate(i)));
  }

  describe() {
    return this.instances.map(({ role, name, url, state, pid, restarts, lastExit }) => ({
      role,
      name,
      url,
      state,
      pid,
      restarts,
      last_exit: lastExit ?? null,
    }));
  }

  private run(instance: Instance): void {
    const script = path.join(dist, `${instance.role}/src/main.js`);
    const child = spawn(process.execPath, [...(instance.nodeArgs ?? []), script], {
      env: { ...process.env, HOST: this.host, ...instance.env, PORT: String(instance.port), INSTANCE: instance.name },
      stdio: 'inherit',
    });
    instance.child = child;
    instance.pid = child.pid;
    child.on('exit', (code, signal) => {
      instance.child = undefined;
      instance.pid = undefined;
      if (this.stopping || instance.state === 'stopping') return;
      const reason = signal ?? `code ${code}`;
      instance.lastExit = { reason, at: new Date().toISOString() };
      instance.state = 'restarting';
      instance.restarts++;
      this.restartCounter.inc({ instance: instance.name });
      this.say(`\n*** ${instance.name} exited (${reason}); restarting it in 1 s (restart ${instance.restarts}) ***\n`);
      setTimeout(() => {
        if (this.stopping || instance.state !== 'restarting') return;
        this.run(instance);
        void this.waitHealthy(instance, HEALTH_PATIENCE_MS).then(
          (up) => up && this.say(`*** ${instance.name} is back on ${instance.url} ***`),
        );
      }, RESTART_DELAY_MS);
    });
  }

  private async waitHealthy(instance: Instance, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && instance.state !== 'stopping') {
      try {
        if ((await fetch(`${instance.url}/health`)).ok) {
          await this.beforeUp?.(instance).catch((err: Error) => this.say(`*** ${instance.name}: ${err.message} ***`));
          instance.state = 'up';
          return true;
        }
      } catch {
        // not up yet
      }
      await sleep(100);
    }
    return false;
  }

  private async terminate(instance: Instance): Promise<void> {
    const child = instance.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(killer);
  }
}
