// The exercises' one rerun (test/helpers/lab-runner.ts): a try that fails is run once more and
// said so; a lab that is wrong still fails, since the second try is the one that counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withOneRerun } from './helpers/lab-runner';

/** A run that answers each of `outcomes` in turn ('pass' or a reason it failed), counting its tries. */
function scripted(outcomes: string[]) {
  let tries = 0;
  const notes: string[] = [];
  const failedTries: string[] = [];
  const go = () =>
    withOneRerun(
      async () => outcomes[tries++]!,
      (o) => (o === 'pass' ? undefined : o),
      (line, failed) => {
        notes.push(line);
        failedTries.push(failed);
      },
      'exercise 99-test',
    );
  return { go, notes, failedTries, tries: () => tries };
}

test('a first try that passes is the one that counts: no second try, nothing said', async () => {
  const run = scripted(['pass', 'never asked']);
  assert.equal(await run.go(), 'pass');
  assert.equal(run.tries(), 1);
  assert.deepEqual(run.notes, []);
});

test('a first try that fails is run once more, and the failure is said in a line starting "rerun:", with the failed try', async () => {
  const run = scripted(['items processed: 5.39 of 8', 'pass']);
  assert.equal(await run.go(), 'pass');
  assert.equal(run.tries(), 2);
  assert.deepEqual(run.notes, ['rerun: exercise 99-test failed its first run (items processed: 5.39 of 8); running it once more']);
  assert.deepEqual(run.failedTries, ['items processed: 5.39 of 8'], 'the failed try, for its output');
});

test('a lab that fails both tries fails: the second try is returned, and there is no third', async () => {
  const run = scripted(['wrong', 'still wrong', 'pass']);
  assert.equal(await run.go(), 'still wrong');
  assert.equal(run.tries(), 2);
  assert.equal(run.notes.length, 1);
});
