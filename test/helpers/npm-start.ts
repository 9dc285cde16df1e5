// The real `npm start` (dist/scripts/start.js, its supervisor restarts a crashed service a second
// later) as a child process, on free ports: the producers on base, base + 2, …, the consumers on
// base + 1, base + 3, …, the browser view after them, and the supervisor's own /status on a port it
// picks and prints in its banner. Every test that runs `npm start` starts it here.
import path from 'node:path';
import { freePortRun } from './free-port';
import { startProcess } from './process';

export interface NpmStart {
  /** The supervisor's own HTTP server (npm start always serves it). */
  supervisorUrl: string | undefined;
  producerUrl(n: number): string;
  consumerUrl(n: number): string;
  /** The first producer and the first consumer: what an exercise talks to. */
  urls: { producer: string; consumer: string };
  /** Everything it and its instances wrote so far. */
  output(): string;
  /** The complete lines it and its instances wrote so far. */
  lines(): string[];
  /** JSON log lines with this `msg` (LOG_LEVEL info or lower). */
  logLines(msg: string): any[];
  stop(): Promise<void>;
}

/**
 * Starts `npm start` with `env` over LOG_LEVEL=warn and resolves once its banner is out.
 * `maxInstancesPerRole`: how many producers (or consumers) it may run, so that their ports are free.
 */
export async function startNpmStart(env: Record<string, string> = {}, maxInstancesPerRole = 4): Promise<NpmStart> {
  // The instances' ports, then one more for the browser view npm start also runs.
  const base = await freePortRun(2 * maxInstancesPerRole + 1);
  const ports = { PRODUCER_PORT: String(base), CONSUMER_PORT: String(base + 1), UI_PORT: String(base + 2 * maxInstancesPerRole) };
  const child = startProcess(process.execPath, [path.resolve(__dirname, '../../scripts/start.js')], {
    ...ports,
    SUPERVISOR_PORT: '0',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const stop = async () => {
    await child.stop();
  };
  // The banner's last line: the supervisor's URL, when it prints one, comes before it.
  await child.waitForOutput(/Ctrl-C stops every service/, 60_000).catch(async (err) => {
    await stop();
    throw err;
  });
  const supervisorUrl = /Supervisor: (http:\/\/\S+)\/status/.exec(child.output)?.[1];
  const producerUrl = (n: number) => `http://127.0.0.1:${base + 2 * (n - 1)}`;
  const consumerUrl = (n: number) => `http://127.0.0.1:${base + 1 + 2 * (n - 1)}`;
  return {
    supervisorUrl,
    producerUrl,
    consumerUrl,
    urls: { producer: producerUrl(1), consumer: consumerUrl(1) },
    output: () => child.output,
    lines: () => child.lines,
    logLines: (msg) =>
      child.lines.filter((line) => line.startsWith('{') && line.includes(`"msg":${JSON.stringify(msg)}`)).map((line) => JSON.parse(line)),
    stop,
  };
}
