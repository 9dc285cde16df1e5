// The workshop, part 2: exercise 3 (the out-of-memory crash, under the real `npm start`
// supervisor) and the advanced experiments, each run through `npm run lab`, time-compressed,
// with every expected number checked.
import path from 'node:path';
import { test } from 'node:test';
import { assertExercisePasses, testExercises } from './helpers/lab-runner';
import { startProcess } from './helpers/process';
import { freePort } from './helpers/services';

test('exercise 03-memory-crash keeps its promises, under `npm start` (crash and restart)', async (t) => {
  // What `npm start` runs, with a 128 MB heap cap so the crash costs this machine little.
  const [producerPort, consumerPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const supervisor = startProcess(process.execPath, [path.resolve(__dirname, '../scripts/start.js')], {
    PRODUCER_PORT: String(producerPort),
    CONSUMER_PORT: String(consumerPort),
    UI_PORT: String(uiPort),
    MEMORY_LIMIT_MB: '128',
    LOG_LEVEL: 'warn',
  });
  t.after(() => supervisor.stop());
  const supervised = { producer: `http://127.0.0.1:${producerPort}`, consumer: `http://127.0.0.1:${consumerPort}` };
  await supervisor.waitForOutput(/Backpressure Lab is running/, 20_000); // npm start is ready
  await assertExercisePasses(t, '03-memory-crash', supervised);
  t.diagnostic(supervisor.lines.find((line) => line.includes('producer exited')) ?? 'no restart line');
});

testExercises(['08-variable-processing', '09-burst', '10-consumer-failure', '32-clear-memory']);
