// CPU time of a process as /proc/<pid>/stat counts it (user + system, all its threads: the JIT's
// and the garbage collector's helpers too), in seconds. Linux only, like the bench.
import { readFileSync } from 'node:fs';

/** Clock ticks per second (`getconf CLK_TCK`): 100 on every Linux the lab runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime, stime (fields 14, 15)
}

/** CPU seconds that `pids` used while `work` ran, and the wall seconds it took. */
export async function cpuWhile<T>(pids: number[], work: () => Promise<T>) {
  const before = pids.map(cpuSeconds);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = pids.map((pid, i) => cpuSeconds(pid) - before[i]!);
  return { result, seconds, cpu };
}
