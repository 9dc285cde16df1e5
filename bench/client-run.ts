// Runs bench/pair-client.ts as its own process and reads its one-line result, with the CPU that
// a server process used over the same counting window (/proc/<pid>/stat).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { cpuSeconds } from './cpu';

export interface ClientOptions {
  targetUrl: string;
  client: 'http' | 'axios';
  warmupSeconds: number;
  seconds: number;
  /** Requests kept in flight (closed loop) … */
  inFlight?: number;
  /** … or requests sent per second (paced). */
  rate?: number;
  /** A process whose CPU over the counting window is wanted beside the client's. */
  serverPid?: number;
}

export interface ClientResult {
  answered: number;
  seconds: number;
  cpuSeconds: number;
  serverCpuSeconds: number;
}

export async function runPairClient(o: ClientOptions): Promise<ClientResult> {
  const child = spawn(process.execPath, [path.resolve(__dirname, 'pair-client.js')], {
    env: {
      ...process.env,
      TARGET_URL: o.targetUrl,
      CLIENT: o.client,
      WARMUP_SECONDS: String(o.warmupSeconds),
      SECONDS: String(o.seconds),
      ...(o.rate ? { RATE: String(o.rate) } : { IN_FLIGHT: String(o.inFlight ?? 1) }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const serverCpu = () => (o.serverPid ? cpuSeconds(o.serverPid) : 0);
  let serverStart = 0;
  let result: ClientResult | undefined;
  let failed = 0;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      const message = JSON.parse(line);
      if (message.msg === 'counting') serverStart = serverCpu();
      if (message.msg !== 'done') continue;
      failed = message.failed;
      result = {
        answered: message.answered,
        seconds: message.seconds,
        cpuSeconds: message.cpu_seconds,
        serverCpuSeconds: serverCpu() - serverStart,
      };
    }
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0 || !result) throw new Error(`pair-client (${o.client}) exited with ${code}`);
  if (failed > 0) throw new Error(`pair-client (${o.client}): ${failed} requests failed`);
  return result;
}
