// The workshop, part 2: exercise 3 (the out-of-memory crash, under the real `npm start`
// supervisor) and the advanced experiments, each run through `npm run lab`, time-compressed,
// with every expected number checked.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { assertExercisePasses, testExercises } from './helpers/lab-runner';
import { freePort, waitFor } from './helpers/services';

test('exercise 03-memory-crash keeps its promises, under `npm start` (crash and restart)', async (t) => {
  // What `npm start` runs, with a 128 MB heap cap so the crash costs this machine little.
  const [producerPort, consumerPort] = [await freePort(), await freePort()];
  const supervisor = spawn(process.execPath, [path.resolve(__dirname, '../scripts/start.js')], {
    env: { ...process.env, PRODUCER_PORT: String(producerPort), CONSUMER_PORT: String(consumerPort), MEMORY_LIMIT_MB: '128', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  supervisor.stdout.on('data', (d) => (output += d));
  supervisor.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => supervisor.once('exit', resolve));
  t.after(async () => {
    supervisor.kill('SIGTERM');
    await exited;
  });
  const supervised = { producer: `http://127.0.0.1:${producerPort}`, consumer: `http://127.0.0.1:${consumerPort}` };
  await waitFor(() => output.includes('Backpressure Lab is running'), 20_000, `npm start to be ready:\n${output}`);
  await assertExercisePasses(t, '03-memory-crash', supervised);
  t.diagnostic(output.split('\n').find((line) => line.includes('producer exited')) ?? 'no restart line');
});

testExercises(['08-variable-processing', '09-burst', '10-consumer-failure']);
