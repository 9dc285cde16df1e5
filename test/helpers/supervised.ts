// The real `npm start` supervisor (dist/scripts/start.js) as a child process, on free ports: the
// producers on base, base + 2, …, the consumers on base + 1, base + 3, …, and its own /status on a
// port it picks and prints in its banner.
import net from 'node:net';
import path from 'node:path';
import { freePort } from './free-port';
import { startProcess } from './process';

export interface Supervised {
  supervisorUrl: string;
  producerUrl(n: number): string;
  consumerUrl(n: number): string;
  /** Everything it and its instances wrote so far. */
  output(): string;
  /** JSON log lines with this `msg`. */
  logLines(msg: string): any[];
  stop(): Promise<void>;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A port p such that p … p + span − 1 were all free a moment ago. */
async function freePortRun(span: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base + span > 65_535) continue;
    let free = true;
    for (let p = base + 1; p < base + span && free; p++) free = await portFree(p);
    if (free) return base;
  }
}

export async function startSupervised(env: Record<string, string>, maxInstancesPerRole = 4): Promise<Supervised> {
  // The instances' ports, then one more for the browser view npm start also runs.
  const base = await freePortRun(2 * maxInstancesPerRole + 1);
  const ports = { PRODUCER_PORT: String(base), CONSUMER_PORT: String(base + 1), UI_PORT: String(base + 2 * maxInstancesPerRole) };
  const child = startProcess(process.execPath, [path.resolve(__dirname, '../../scripts/start.js')], {
    ...ports,
    SUPERVISOR_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const stop = async () => {
    await child.stop();
  };
  try {
    await child.waitForOutput(/Backpressure Lab is running/, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const supervisorUrl = /Supervisor: (http:\/\/\S+)\/status/.exec(child.output)?.[1];
  if (!supervisorUrl) {
    await stop();
    throw new Error(`npm start did not print its supervisor URL:\n${child.output}`);
  }
  return {
    supervisorUrl,
    producerUrl: (n) => `http://127.0.0.1:${base + 2 * (n - 1)}`,
    consumerUrl: (n) => `http://127.0.0.1:${base + 1 + 2 * (n - 1)}`,
    output: () => child.output,
    logLines: (msg) =>
      child.lines.filter((line) => line.startsWith('{') && line.includes(`"msg":${JSON.stringify(msg)}`)).map((line) => JSON.parse(line)),
    stop,
  };
}
