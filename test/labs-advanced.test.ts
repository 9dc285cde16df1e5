// The workshop, part 2: exercise 3 (the out-of-memory crash, under the real `npm start`
// supervisor) and the advanced experiments, each run through `npm run lab`, time-compressed,
// with every expected number checked.
import { test } from 'node:test';
import { assertExercisePasses, testExercises } from './helpers/lab-runner';
import { startNpmStart } from './helpers/npm-start';

test('exercise 03-memory-crash keeps its promises, under `npm start` (crash and restart)', async (t) => {
  // What `npm start` runs, with a 128 MB heap cap so the crash costs this machine little.
  const run = await startNpmStart({ MEMORY_LIMIT_MB: '128' });
  t.after(() => run.stop());
  await assertExercisePasses(t, '03-memory-crash', run.urls);
  t.diagnostic(run.lines().find((line) => line.includes('producer-1 exited')) ?? 'no restart line');
});

testExercises(['08-variable-processing', '09-burst', '10-consumer-failure', '32-clear-memory']);
