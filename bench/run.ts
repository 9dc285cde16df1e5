// `npm run bench`: starts the real services as processes on free 127.0.0.1 ports, measures the
// figures of issues 7 and 14 (each the median of several runs), prints a table and writes
// bench/results/latest.json. BENCH_QUICK=1: one short run per figure (the smoke test uses it);
// BENCH_OUTPUT=path writes the JSON elsewhere; BENCH_ONLY=delivery_ceiling,idle_cost measures only
// those figures and prints them (it writes JSON only where BENCH_OUTPUT says).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll } from '../test/helpers/services';
import { brokerJobOutcomes } from './figures/broker-outcomes';
import { burstFigure } from './figures/burst';
import { deliveryCeiling } from './figures/delivery';
import { downstreamThroughput } from './figures/downstream';
import { goodputFigure } from './figures/goodput';
import { idleCost } from './figures/idle';
import { memoryPerItem } from './figures/memory';
import { rateAccuracy } from './figures/rate';
import { rejectionPath } from './figures/rejection';
import { responsiveness } from './figures/responsiveness';
import { scaleOut } from './figures/scale-out';
import { tracingCost } from './figures/tracing';
import { memoryPerWaitingCaller } from './figures/waiting-callers';
import { planFor } from './plan';
import { LATEST, updatePerformancePage } from './readme';
import { describeMachine, type Figure, machineWasBusy, renderTable } from './report';

const plan = planFor(process.env.BENCH_QUICK === '1');
const only = process.env.BENCH_ONLY?.split(',');
const output = process.env.BENCH_OUTPUT ?? (only ? undefined : LATEST);

async function main(): Promise<void> {
  const started = performance.now();
  const machine = describeMachine();
  const watchdog = setTimeout(() => {
    console.error(`bench: over its ${plan.budgetSeconds} s budget, stopping`);
    killAll();
    process.exit(1);
  }, plan.budgetSeconds * 1000);

  const figures: Record<string, Figure> = {};
  const step = async (key: string, measure: () => Promise<Figure>) => {
    if (only && !only.includes(key)) return;
    const t0 = performance.now();
    process.stderr.write(`bench: ${key} ...`);
    figures[key] = await measure();
    process.stderr.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  };
  await step('idle_cost', () => idleCost(plan));
  await step('rate_accuracy', () => rateAccuracy(plan));
  await step('delivery_ceiling', () => deliveryCeiling(plan));
  await step('tracing_cost', () => tracingCost(plan));
  await step('memory_per_item', () => memoryPerItem(plan));
  await step('burst', () => burstFigure(plan));
  await step('responsiveness', () => responsiveness(plan));
  await step('rejection_path', () => rejectionPath(plan));
  await step('memory_per_waiting_caller', () => memoryPerWaitingCaller(plan));
  await step('scale_out', () => scaleOut(plan));
  await step('broker_job_outcomes', () => brokerJobOutcomes(plan));
  await step('downstream', () => downstreamThroughput(plan));
  await step('goodput', () => goodputFigure(plan));
  clearTimeout(watchdog);

  const busy = machineWasBusy(machine.load_average_1m);
  const result = {
    generated_at: new Date().toISOString(),
    mode: plan.quick ? 'quick' : 'full',
    runs_per_figure: plan.runs,
    duration_seconds: Math.round((performance.now() - started) / 1000),
    machine: { ...machine, load_average_end_1m: os.loadavg()[0]!, busy_at_start: busy },
    figures,
  };
  if (output) {
    mkdirSync(path.dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify(result, null, 2)}\n`);
  }

  console.log(renderTable(figures));
  for (const figure of Object.values(figures)) for (const note of figure.notes) console.log(`- ${figure.title}: ${note}`);
  console.log(
    `\n${machine.nproc} × ${machine.cpu_model}, Node ${machine.node}; median of ${plan.runs} run(s); ${result.duration_seconds} s.` +
      (busy ? ` Other processes were using the CPU (load average ${machine.load_average_1m.toFixed(2)} at start).` : ''),
  );
  if (output) console.log(`Written to ${path.relative(process.cwd(), output)}`);
  // A full run written where the Performance page's table comes from: the table follows it.
  if (!plan.quick && output === LATEST) {
    updatePerformancePage(result);
    console.log('docs/performance.md: Performance table regenerated');
  }
}

main().catch((err) => {
  console.error(err);
  killAll();
  process.exit(1);
});
