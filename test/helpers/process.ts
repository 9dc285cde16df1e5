// A child process for a test: its output captured (as text and as lines), a wait for a line it
// is expected to print, its exit awaited, and a stop() that ends with SIGKILL when the signal is
// not enough. killAll() ends every one still running, for a run that gives up.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestProcess {
  child: ChildProcess;
  /** stdout and stderr so far, in the order they came. */
  readonly output: string;
  readonly stdout: string;
  readonly stderr: string;
  /** The complete lines of stdout and stderr so far. */
  readonly lines: string[];
  /** The exit code (null when a signal ended it), once the process has exited and its output is read. */
  readonly exited: Promise<number | null>;
  /** The first match of `pattern` in the output; rejects when the process exits first or `timeoutMs` passes. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Sends `signal` unless the process has exited, then waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Processes started here that have not exited yet. */
const running = new Set<ChildProcess>();

/** Kills every process started here that is still running. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Runs `command` with `env` over this process's environment, stdin closed, stdout and stderr captured. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}): TestProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const text = { output: '', stdout: '', stderr: '' };
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let ended = false;

  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream]!.on('data', (chunk: Buffer) => {
      const s = chunk.toString();
      text.output += s;
      text[stream] += s;
      const parts = (partial + s).split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter(Boolean));
      for (const check of waiters) check();
    });
    child[stream]!.once('end', () => partial && lines.push(partial));
  }
  // After the exit, the rest of the output (a grandchild may hold the pipes open: wait 1 s at most).
  const streamsClosed = Promise.all([once(child.stdout!, 'close'), once(child.stderr!, 'close')]);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve)).then(async (code) => {
    running.delete(child);
    await Promise.race([streamsClosed, sleep(1000, undefined, { ref: false })]);
    ended = true;
    for (const check of waiters) check();
    return code;
  });

  const name = [command, ...args].join(' ');
  return {
    child,
    get output() {
      return text.output;
    },
    get stdout() {
      return text.stdout;
    },
    get stderr() {
      return text.stderr;
    },
    lines,
    exited,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (err: Error | undefined, match?: RegExpExecArray) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(match!);
        };
        const timer = setTimeout(() => done(new Error(`${name}: no ${pattern} in ${timeoutMs} ms:\n${text.output}`)), timeoutMs);
        const check = () => {
          const match = pattern.exec(text.output);
          if (match) done(undefined, match);
          else if (ended)
            done(new Error(`${name} exited with ${child.exitCode ?? child.signalCode} before printing ${pattern}:\n${text.output}`));
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
