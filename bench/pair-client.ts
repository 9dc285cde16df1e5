// The client half of the bench's transport floors, run as its own process: keeps IN_FLIGHT
// POST /process requests with one item's body in flight against TARGET_URL (127.0.0.1 only) for
// WARMUP_SECONDS, then counts answers for SECONDS and prints one JSON line with the count and the
// CPU it used meanwhile. CLIENT=http: bare node:http with a keep-alive agent; CLIENT=axios: the
// producer's own ConsumerClient (axios, set up as the lab sets it up). RATE=n instead sends n
// requests a second, each when due (the idle-cost floor: what sending 10 items/s costs a client).
import http from 'node:http';
import { ConsumerClient } from '../producer/src/consumer-client';
import { ITEM_BODY } from './item-body';

const target = process.env.TARGET_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(target)) throw new Error(`TARGET_URL must be http://127.0.0.1:<port>: ${target}`);
const inFlight = Number(process.env.IN_FLIGHT ?? 2);
const warmupSeconds = Number(process.env.WARMUP_SECONDS ?? 0.5);
const seconds = Number(process.env.SECONDS ?? 3);
const rate = process.env.RATE ? Number(process.env.RATE) : undefined;

const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
const url = new URL('/process', target);

function bareSend(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end(ITEM_BODY);
  });
}

const consumerClient = new ConsumerClient(target);
const axiosSend = async () => !('reason' in (await consumerClient.sendOne(ITEM_BODY, 10_000)));

const send = process.env.CLIENT === 'axios' ? axiosSend : bareSend;
let counting = false;
let running = true;
let stop = () => {};
const stopped = new Promise<void>((resolve) => (stop = resolve));
let answered = 0;
let failed = 0;

async function loop(): Promise<void> {
  while (running) {
    const ok = await send();
    if (counting) ok ? answered++ : failed++;
  }
}

/** RATE mode: one request every 1/RATE s, whatever the answers take. */
async function paced(): Promise<void> {
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const sent = send().then((ok) => {
      if (counting) ok ? answered++ : failed++;
      pending.delete(sent);
    });
    pending.add(sent);
  }, 1000 / rate!);
  await stopped;
  clearInterval(timer);
  await Promise.all(pending);
}

async function main(): Promise<void> {
  const loops = rate ? [paced()] : Array.from({ length: inFlight }, loop);
  await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  counting = true;
  process.stdout.write('{"msg":"counting"}\n');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(
    `${JSON.stringify({ msg: 'done', answered, failed, seconds: elapsed, cpu_seconds: (cpu.user + cpu.system) / 1e6 })}\n`,
  );
  running = false;
  stop();
  await Promise.all(loops);
  agent.destroy();
}

void main();
