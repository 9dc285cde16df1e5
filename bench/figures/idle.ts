// Figure — idle cost: what the lab costs a learner's laptop at its defaults (10 items/s, the
// consumer at 100 ms), as /proc/<pid>/stat counts each process's CPU over a long window. Beside
// it, in the same window, two clients alone sending the same 10 requests a second to a bare
// node:http server: node:http, and the producer's own axios client. They are the floor the
// producer's HTTP sending sets, with nothing of the lab around it.
import { setTimeout as sleep } from 'node:timers/promises';
import { startLab, startScript } from '../../test/helpers/services';
import { runPairClient } from '../client-run';
import { cpuWhile } from '../cpu';
import type { Plan } from '../plan';
import type { Figure, Row } from '../report';
import { round } from '../stats';

const GOAL_CORES = 0.01;
const RATE = 10;

export async function idleCost(plan: Plan): Promise<Figure> {
  const { seconds } = plan.idle;
  const lab = await startLab(); // the defaults
  const bare = await startScript('bench/bare-server.js');
  try {
    await sleep(plan.quick ? 500 : 5000); // past start-up
    const client = (kind: 'http' | 'axios') =>
      runPairClient({ targetUrl: bare.url, client: kind, rate: RATE, warmupSeconds: plan.quick ? 0.5 : 5, seconds });
    // The two clients' windows start 0.5 or 5 s after the lab's: the same length, nearly the same time.
    const [labCpu, httpClient, axiosClient] = await Promise.all([
      cpuWhile([lab.producer.child.pid!, lab.consumer.child.pid!], () => sleep(seconds * 1000)),
      client('http'),
      client('axios'),
    ]);
    const cores = (cpu: number, s: number) => cpu / s;
    const producer = cores(labCpu.cpu[0]!, labCpu.seconds);
    const consumer = cores(labCpu.cpu[1]!, labCpu.seconds);
    const http = cores(httpClient.cpuSeconds, httpClient.seconds);
    const axios = cores(axiosClient.cpuSeconds, axiosClient.seconds);
    const row = (name: string, value: number, goal: string, met: boolean | null, extra: string): Row => ({
      name,
      measured: `${round(value, 4)} cores${extra}`,
      goal,
      met,
      event_loop_delay_p99_ms: null,
      values: { cores: round(value, 5), window_seconds: round(labCpu.seconds, 1) },
    });
    return {
      title: 'Idle cost',
      rows: [
        row(
          `producer at the defaults (${RATE} items/s)`,
          producer,
          `≤ ${GOAL_CORES} cores`,
          producer <= GOAL_CORES,
          ` = ${round(producer / axios, 2)} × its axios client alone`,
        ),
        row(`consumer at the defaults (${RATE} items/s, 100 ms each)`, consumer, '—', null, ''),
        row(`node:http client alone, ${RATE} requests/s`, http, '—', null, ''),
        row(`axios client alone (the producer's), ${RATE} requests/s`, axios, '—', null, ` = ${round(axios / http, 2)} × node:http`),
      ],
      notes: [
        `CPU (user + system, all threads) from /proc/<pid>/stat over ${seconds} s, after start-up; the clients post one 1 KB item body each 100 ms to bench/bare-server.ts, in the same window as the lab`,
      ],
    };
  } finally {
    await Promise.all([lab.stop(), bare.stop()]);
  }
}
