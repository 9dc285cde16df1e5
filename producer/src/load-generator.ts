// The load generator of docker-compose.yml's `load` profile (it runs from the producer image):
// posts POST /jobs to the producer at LOAD_RATE per second for LOAD_SECONDS, prints a line of
// what the producer answered every second, and exits. Bounded by construction: at most
// LOAD_RATE × LOAD_SECONDS requests, and never more than MAX_IN_FLIGHT at once.
import { z } from 'zod';
import { readEnv } from '../../common/src/env';

const MAX_IN_FLIGHT = 64;
const TICK_MS = 50;

const env = readEnv(
  z.object({
    TARGET_URL: z.url().default('http://127.0.0.1:8000'),
    LOAD_RATE: z.coerce.number().positive().max(10_000).default(50),
    LOAD_SECONDS: z.coerce.number().positive().max(3600).default(60),
  }),
);

const tally = { sent: 0, accepted: 0, refused_429: 0, unavailable_503: 0, other: 0, errors: 0 };
let inFlight = 0;

async function postJob(): Promise<void> {
  inFlight++;
  tally.sent++;
  try {
    const res = await fetch(`${env.TARGET_URL}/jobs`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (res.status === 202) tally.accepted++;
    else if (res.status === 429) tally.refused_429++;
    else if (res.status === 503) tally.unavailable_503++;
    else tally.other++;
  } catch {
    tally.errors++;
  } finally {
    inFlight--;
  }
}

async function main(): Promise<void> {
  const total = Math.round(env.LOAD_RATE * env.LOAD_SECONDS);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const report = setInterval(() => console.log(JSON.stringify({ elapsed_s: Math.round(elapsed()), ...tally })), 1000);
  console.log(JSON.stringify({ target: env.TARGET_URL, rate_per_s: env.LOAD_RATE, seconds: env.LOAD_SECONDS }));
  while (tally.sent < total) {
    const due = Math.min(total, Math.floor(elapsed() * env.LOAD_RATE)) - tally.sent;
    for (let i = 0; i < due && inFlight < MAX_IN_FLIGHT; i++) void postJob();
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  clearInterval(report);
  console.log(JSON.stringify({ done: true, elapsed_s: Math.round(elapsed() * 10) / 10, ...tally }));
}

void main();
