// The memory guard (opt-in, `memory_guard: true`): above `memory_guard_threshold` × the memory
// limit, new items are refused with reason `memory` instead of letting the process run out of
// memory and lose everything it holds — fastify's under-pressure idea. Off by default, so that
// Exercise 3 can still show the crash.
//
// The limit that applies is the smaller of the container's (its cgroup) and MEMORY_LIMIT_MB
// (which `npm start` also gives Node as its heap limit): the process dies at whichever comes first.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export type MemoryLimitSource = 'cgroup v2' | 'cgroup v1' | 'MEMORY_LIMIT_MB';

export interface MemoryLimit {
  bytes: number;
  source: MemoryLimitSource;
}

const MB = 1024 * 1024;
/** RSS is read at most this often: the guard is asked once per item, at up to 100,000 items/s. */
const SAMPLE_EVERY_MS = 100;

/** Finds the memory limit that applies; `cgroupRoot` is a parameter only so a test can point it elsewhere. */
export function detectMemoryLimit(memoryLimitMb: number, cgroupRoot = '/sys/fs/cgroup'): MemoryLimit {
  const configured: MemoryLimit = { bytes: memoryLimitMb * MB, source: 'MEMORY_LIMIT_MB' };
  const cgroup = readLimit(`${cgroupRoot}/memory.max`, 'cgroup v2') ?? readLimit(`${cgroupRoot}/memory/memory.limit_in_bytes`, 'cgroup v1');
  return cgroup && cgroup.bytes < configured.bytes ? cgroup : configured;
}

/** A cgroup limit file's value; undefined when absent, "max", or no real limit (above the machine's memory). */
function readLimit(path: string, source: MemoryLimitSource): MemoryLimit | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  const bytes = Number(text); // "max" → NaN
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes >= os.totalmem()) return undefined; // v1 says "unlimited" with ~2^63
  return { bytes, source };
}

export interface MemoryGuardSettings {
  memory_guard: boolean;
  memory_guard_threshold: number;
}

export class MemoryGuard {
  private rss = 0;
  private sampledAt = -Infinity;

  constructor(
    readonly limit: MemoryLimit,
    private readonly settings: () => MemoryGuardSettings,
  ) {}

  /** True when the guard is on and the process is above its threshold: refuse new items. */
  shedding(): boolean {
    const s = this.settings();
    return s.memory_guard && this.currentRss() > s.memory_guard_threshold * this.limit.bytes;
  }

  describe() {
    const s = this.settings();
    return {
      enabled: s.memory_guard,
      threshold: s.memory_guard_threshold,
      threshold_mb: Math.round((s.memory_guard_threshold * this.limit.bytes) / MB),
      shedding: this.shedding(),
    };
  }

  private currentRss(): number {
    const now = performance.now();
    if (now - this.sampledAt >= SAMPLE_EVERY_MS) {
      this.rss = process.memoryUsage.rss();
      this.sampledAt = now;
    }
    return this.rss;
  }
}
