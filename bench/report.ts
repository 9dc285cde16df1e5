// The bench's results: one Figure per measured question, each with rows for the table, the
// machine they came from, printed as a table and written as JSON.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Row {
  /** What was measured, e.g. "rate 1000/s". */
  name: string;
  /** The median figure, readable: "999.8/s (−0.02%)". */
  measured: string;
  goal: string;
  /** null when the row has no goal of its own. */
  met: boolean | null;
  /** The producer's event-loop delay p99 while it was measured (median of runs). */
  event_loop_delay_p99_ms: number | null;
  /** The numbers behind `measured` (medians), and each run's. */
  values: Record<string, unknown>;
}

export interface Figure {
  title: string;
  rows: Row[];
  notes: string[];
}

export function describeMachine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.availableParallelism(),
    cpu_model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    load_average_1m: os.loadavg()[0]!,
  };
}

/** Whether other work was using the CPU when the bench started (its numbers are then noisy). */
export function machineWasBusy(loadAverage: number): boolean {
  return loadAverage > 0.5;
}

export function renderTable(figures: Record<string, Figure>): string {
  const header = ['figure', 'measured (median)', 'goal', 'met', 'event-loop p99'];
  const lines = [header];
  for (const figure of Object.values(figures)) {
    for (const row of figure.rows) {
      const met = row.met === null ? '—' : row.met ? 'yes' : 'NO';
      const eld = row.event_loop_delay_p99_ms === null ? '—' : `${row.event_loop_delay_p99_ms.toFixed(1)} ms`;
      lines.push([row.name, row.measured, row.goal, met, eld]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const format = (line: string[]) => `| ${line.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [format(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.slice(1).map(format)].join('\n');
}
