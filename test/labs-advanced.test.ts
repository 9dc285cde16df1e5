// The workshop, part 2: exercise 3 (the out-of-memory crash, under the real `npm start`
// supervisor) and the advanced experiments, each run through `npm run lab`, time-compressed,
// with every expected number checked.
import { test } from 'node:test';
import { assertExercisePasses, startUnderNpmStart, testExercises } from './helpers/lab-runner';

test('exercise 03-memory-crash keeps its promises, under `npm start` (crash and restart)', async (t) => {
  // What `npm start` runs, with a 128 MB heap cap so the crash costs this machine little.
  const { urls, log } = await startUnderNpmStart(t, { MEMORY_LIMIT_MB: '128' });
  await assertExercisePasses(t, '03-memory-crash', urls);
  t.diagnostic(log.output.split('\n').find((line) => line.includes('producer exited')) ?? 'no restart line');
});

testExercises(['08-variable-processing', '09-burst', '10-consumer-failure']);
