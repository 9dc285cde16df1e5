// No import cycles among the source files (type-only imports included: a cycle of types is still
// two files that can only be understood together). A depth-first walk over the relative imports.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';

const ROOT = path.resolve(__dirname, '../..'); // from dist/test
const SOURCE_DIRS = ['common/src', 'producer/src', 'consumer/src', 'labs/src', 'labs/exercises', 'ui/src', 'scripts'];

function sourceFiles(dir: string): string[] {
  const full = path.join(ROOT, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(full, f));
}

/** The source files `file` imports by a relative path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)) {
    const base = path.resolve(path.dirname(file), spec!);
    const found = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    if (found) targets.push(found);
  }
  return targets;
}

/** Every cycle found by a depth-first walk, each as the chain of files that closes it. */
export function importCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? importsOf(file)) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

test('no source file imports itself through others', () => {
  const files = SOURCE_DIRS.flatMap(sourceFiles);
  assert.ok(files.length > 50, `found ${files.length} source files`);
  const cycles = importCycles(files).map((cycle) => cycle.map((f) => path.relative(ROOT, f)).join(' → '));
  assert.deepEqual(cycles, []);
});
