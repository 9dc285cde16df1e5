// The lab as `npm start` runs it — its supervisor restarts a crashed service a second later — on
// free ports, with `env` added, stopped when the test ends: for exercises that kill a service.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, waitFor } from './services';

export async function startUnderNpmStart(t: { after: (fn: () => Promise<void>) => void }, env: Record<string, string>) {
  const [producerPort, consumerPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const supervisor = spawn(process.execPath, [path.resolve(__dirname, '../../scripts/start.js')], {
    env: { ...process.env, PRODUCER_PORT: String(producerPort), CONSUMER_PORT: String(consumerPort), UI_PORT: String(uiPort), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = { output: '' };
  supervisor.stdout.on('data', (d) => (log.output += d));
  supervisor.stderr.on('data', (d) => (log.output += d));
  const exited = new Promise((resolve) => supervisor.once('exit', resolve));
  t.after(async () => {
    supervisor.kill('SIGTERM');
    await exited;
  });
  await waitFor(() => log.output.includes('Backpressure Lab is running'), 30_000, 'npm start to be ready');
  return { urls: { producer: `http://127.0.0.1:${producerPort}`, consumer: `http://127.0.0.1:${consumerPort}` }, log };
}
