// A Docker engine of the tests' own: Debian's dockerd on its own socket, with --iptables=false
// and --bridge=none (every test container uses the host network, so the engine never touches the
// firewall nor makes a bridge with a private-range address). Stopped by its PID. When it cannot
// start, the error says why (not root, a package missing, what dockerd logged).
//
// Its data root is kept between runs, so the self-made base image and the build cache are reused.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const DATA_ROOT = '/var/lib/backpressure-lab-docker';
/** What .ci/run installs (apt-get install docker.io docker-compose debootstrap runc prometheus busybox-static). */
const REQUIRED = [
  '/usr/sbin/dockerd',
  '/usr/bin/docker',
  '/usr/bin/docker-compose',
  '/usr/sbin/runc',
  '/usr/sbin/debootstrap',
  '/usr/bin/prometheus',
  '/bin/busybox',
];

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface Engine {
  /** Environment for docker and docker-compose: this engine's socket, BuildKit, Debian's client first on PATH. */
  env: NodeJS.ProcessEnv;
  /** Runs a command against this engine; rejects with its output when it fails or overruns. */
  run(command: string, args: string[], options?: { timeoutMs?: number; cwd?: string }): Promise<CommandResult>;
  /** SIGTERM to dockerd's PID (it stops its containers), SIGKILL after 30 s. */
  stop(): Promise<void>;
}

function cannotStart(reason: string): Error {
  return new Error(
    `Docker engine cannot start here: ${reason}\n` +
      'The Docker tests need root and the Debian packages that .ci/run installs; on a machine where no ' +
      'engine can run, run .ci/run with SKIP_DOCKER_TESTS=1 (it then says so instead of running them).',
  );
}

export async function startEngine(): Promise<Engine> {
  if (process.getuid?.() !== 0) throw cannotStart(`dockerd needs root, and this runs as uid ${process.getuid?.()}`);
  const missing = REQUIRED.filter((file) => !existsSync(file));
  if (missing.length > 0) throw cannotStart(`missing ${missing.join(', ')}`);

  const runDir = mkdtempSync(path.join(os.tmpdir(), 'bpl-docker-'));
  const socket = path.join(runDir, 'docker.sock');
  const logFile = path.join(runDir, 'dockerd.log');
  const dockerd: ChildProcess = spawn(
    '/usr/sbin/dockerd',
    [
      `--host=unix://${socket}`,
      `--data-root=${DATA_ROOT}`,
      `--exec-root=${path.join(runDir, 'exec')}`,
      `--pidfile=${path.join(runDir, 'dockerd.pid')}`,
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
    ],
    { stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] },
  );
  const exited = new Promise<void>((resolve) => dockerd.once('exit', () => resolve()));
  const logTail = () => readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Debian's docker 20.10 client: a newer client elsewhere on PATH would demand buildx for BuildKit.
    PATH: `/usr/bin:/usr/sbin:/bin:/sbin:${process.env.PATH ?? ''}`,
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_BUILDKIT: '1',
    COMPOSE_DOCKER_CLI_BUILD: '1',
  };

  const run: Engine['run'] = (command, args, options = {}) =>
    new Promise((resolve, reject) => {
      execFile(
        command,
        args,
        { env, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (!err) return resolve({ stdout, stderr });
          const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
          reject(new Error(`${command} ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${tail}`));
        },
      );
    });

  const stop = async () => {
    if (dockerd.exitCode === null && dockerd.signalCode === null) {
      dockerd.kill('SIGTERM');
      const timer = setTimeout(() => dockerd.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    // dockerd leaves its network namespace file mounted under the exec root.
    for (const mountPoint of mountsUnder(runDir)) execFileSync('umount', [mountPoint]);
    rmSync(runDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (dockerd.exitCode !== null || dockerd.signalCode !== null) {
      rmSync(runDir, { recursive: true, force: true });
      throw cannotStart(`dockerd exited (${dockerd.exitCode ?? dockerd.signalCode}); its log ends:\n${logTail()}`);
    }
    try {
      await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 5_000 });
      return { env, run, stop };
    } catch (err) {
      if (Date.now() > deadline) {
        const reason = `dockerd did not answer within 30 s (${(err as Error).message}); its log ends:\n${logTail()}`;
        await stop();
        throw cannotStart(reason);
      }
      await sleep(250);
    }
  }
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((mountPoint) => mountPoint?.startsWith(`${dir}/`))
    .reverse();
}
