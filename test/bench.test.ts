// `npm run bench` in its quick mode (BENCH_QUICK=1: every figure once, small and short): the
// bench runs against the real services and its JSON holds every figure with numbers in it.
// Behaviour only: the figures themselves are the bench's business, not a test's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LATEST, PERFORMANCE_PAGE, withBenchBlock } from '../bench/readme';
import { startProcess } from './helpers/process';

const FIGURES = [
  'idle_cost',
  'rate_accuracy',
  'delivery_ceiling',
  'tracing_cost',
  'memory_per_item',
  'burst',
  'responsiveness',
  'rejection_path',
  'memory_per_waiting_caller',
  'scale_out',
  'broker_job_outcomes',
  'downstream',
  'goodput',
];

test('the bench in quick mode writes every figure to its JSON and prints the table', { timeout: 860_000 }, async () => {
  const output = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'latest.json');
  const bench = startProcess(process.execPath, [path.resolve(__dirname, '../bench/run.js')], { BENCH_QUICK: '1', BENCH_OUTPUT: output });
  // Lowest CPU priority, inherited by the services it starts: the test files running beside it
  // (some timing-sensitive) keep the CPU, the bench takes what is left.
  os.setPriority(bench.child.pid!, 19);
  assert.equal(await bench.exited, 0, bench.stderr);
  const stdout = bench.stdout;

  const result = JSON.parse(readFileSync(output, 'utf8'));
  assert.equal(result.mode, 'quick');
  assert.ok(result.machine.nproc >= 1 && result.machine.cpu_model && result.machine.node === process.version);
  assert.deepEqual(Object.keys(result.figures), FIGURES);
  for (const key of FIGURES) {
    const figure = result.figures[key];
    assert.ok(figure.rows.length > 0, `${key} has rows`);
    for (const row of figure.rows) {
      assert.ok(typeof row.measured === 'string' && row.measured.length > 0, `${key}: ${row.name}`);
      assert.ok(row.met === null || typeof row.met === 'boolean');
      const numbers = Object.values(row.values).filter((v) => typeof v === 'number');
      // JSON turns NaN and Infinity into null: a null is a number that went wrong.
      assert.ok(
        numbers.length > 0 && Object.values(row.values).every((v) => v !== null),
        `${key}: ${row.name} ${JSON.stringify(row.values)}`,
      );
      assert.doesNotMatch(row.measured, /NaN|Infinity/, `${key}: ${row.name}`);
      assert.match(stdout, new RegExp(`\\| ${row.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +\\|`), `table row for ${row.name}`);
    }
  }
  assert.equal(result.figures.rate_accuracy.rows.length, 4);
  assert.equal(result.figures.memory_per_item.rows.length, 4);
  // The broker's figure: 1 and 2 consumers × 0 and 5 ms, the in-memory pair, confirm latency, the parked heap.
  assert.equal(result.figures.scale_out.rows.length, 8);
  // Job outcomes on the broker: per-item CPU without and with them, from one run.
  assert.equal(result.figures.broker_job_outcomes.rows.length, 2);
  const delivered = result.figures.delivery_ceiling.rows.map((r: { values: Record<string, number> }) => r.values);
  assert.ok(
    delivered.every((v: Record<string, number>) => v.items_per_second! > 0 && v.cpu_ms_per_item! > 0),
    'something was delivered, at some CPU cost',
  );
  // The bare pair, express + axios and the lab, at 2 in flight and saturated; then batched.
  assert.equal(result.figures.delivery_ceiling.rows.length, 7);
  assert.equal(result.figures.idle_cost.rows.length, 4);
  assert.equal(result.figures.burst.rows.length, 5);
});

test("docs/performance.md's table is the one bench/results/latest.json makes (npm run bench:readme)", () => {
  const page = readFileSync(PERFORMANCE_PAGE, 'utf8');
  assert.equal(page, withBenchBlock(page, JSON.parse(readFileSync(LATEST, 'utf8'))));
});
