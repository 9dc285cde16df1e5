// The lab as `npm start` runs it — its supervisor restarts a crashed service a second later — on
// free ports, with `env` added, stopped when the test ends: for exercises that kill a service.
import path from 'node:path';
import { startProcess } from './process';
import { freePort } from './services';

export async function startUnderNpmStart(t: { after: (fn: () => Promise<unknown>) => void }, env: Record<string, string>) {
  const [producerPort, consumerPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const supervisor = startProcess(process.execPath, [path.resolve(__dirname, '../../scripts/start.js')], {
    PRODUCER_PORT: String(producerPort),
    CONSUMER_PORT: String(consumerPort),
    UI_PORT: String(uiPort),
    SUPERVISOR_PORT: '0', // its own free port
    LOG_LEVEL: 'warn',
    ...env,
  });
  t.after(() => supervisor.stop());
  await supervisor.waitForOutput(/Backpressure Lab is running/, 30_000);
  return {
    urls: { producer: `http://127.0.0.1:${producerPort}`, consumer: `http://127.0.0.1:${consumerPort}` },
    uiUrl: `http://127.0.0.1:${uiPort}`,
  };
}
