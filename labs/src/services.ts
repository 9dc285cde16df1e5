// Talking to the two services over HTTP, and showing each request as the curl command a
// learner would type for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { consumerStatus } from '../../consumer/src/routes/status';

export type { ProducerStatus } from '../../producer/src/status-model';
export type ConsumerStatus = ReturnType<typeof consumerStatus>;
export type ServiceName = 'producer' | 'consumer';

export interface Urls {
  producer: string;
  consumer: string;
}

/** PRODUCER_URL and CONSUMER_URL, defaulting to what `npm start` and Docker publish. */
export function urlsFromEnv(env: NodeJS.ProcessEnv = process.env): Urls {
  const url = z.url();
  const read = (name: string, fallback: string) => {
    const parsed = url.safeParse(env[name] || fallback);
    if (parsed.success) return parsed.data.replace(/\/+$/, '');
    console.error(`Invalid ${name}=${JSON.stringify(env[name])}: expected a URL like ${fallback}`);
    process.exit(2);
  };
  return { producer: read('PRODUCER_URL', 'http://127.0.0.1:8000'), consumer: read('CONSUMER_URL', 'http://127.0.0.1:8001') };
}

/**
 * Instance n (1-based) of a service that `PRODUCERS=N CONSUMERS=M npm start` runs several of: the
 * first on `url`, each next one two ports up (producers 8000, 8002, …; consumers 8001, 8003, …).
 */
export function instanceUrl(url: string, n: number): string {
  const parsed = new URL(url);
  parsed.port = String(Number(parsed.port || 80) + 2 * (n - 1));
  return parsed.toString().replace(/\/+$/, '');
}

// biome-ignore lint/suspicious/noExplicitAny: a service's JSON answer, read by the field the caller names
export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** The request timeout: a service that does not answer within it counts as down. */
const TIMEOUT_MS = 3000;
/**
 * A POST is work, not a look: a burst of 10,000 waits for every confirm, which takes seconds on a
 * busy machine. It may take this long before the exercise gives up on it.
 */
const POST_TIMEOUT_MS = 60_000;

// biome-ignore lint/suspicious/noExplicitAny: as Answer
export async function request<T = any>(url: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<Answer<T>> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(method === 'POST' ? POST_TIMEOUT_MS : TIMEOUT_MS),
  });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** How long a step waits for a service that is (re)starting: a restart on a busy machine takes real seconds. */
export const RESTART_DEADLINE_MS = 30_000;

/**
 * GETs `url` until it answers 200 (a service that a kill or the supervisor is restarting refuses
 * connections meanwhile) and returns that answer; throws with the last reason once `timeoutMs` has
 * passed. `ready` may ask for more than a 200 (the instance restarted, say).
 */
// biome-ignore lint/suspicious/noExplicitAny: as Answer
export async function requestWhenUp<T = any>(
  url: string,
  timeoutMs = RESTART_DEADLINE_MS,
  ready: (body: T) => boolean = () => true,
): Promise<Answer<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const answer = await request<T>(url).catch((err: unknown) => describeError(err));
    if (typeof answer !== 'string' && answer.status === 200 && ready(answer.body)) return answer;
    const why = typeof answer === 'string' ? answer : answer.status === 200 ? 'not ready yet' : `answered ${answer.status}`;
    if (performance.now() > deadline) throw new Error(`${url}: ${why} after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

export async function getText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.text();
}

/** Why a request failed, in a few words ("connection refused", "no answer within 3 s"). */
export function describeError(err: unknown): string {
  // fetch() puts the code in its cause; node:http (get-json.ts) on the error itself.
  const cause = (err as { cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
  if (cause === 'ECONNREFUSED') return 'connection refused';
  if (cause === 'ECONNRESET' || cause === 'UND_ERR_SOCKET') return 'connection reset';
  if ((err as Error)?.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return cause ?? (err as Error)?.message ?? String(err);
}

/** The curl command for a request, as the README writes them (`| jq` for readable output). */
export function curlFor(url: string, method: 'GET' | 'POST', body?: unknown): string {
  const data = body === undefined ? '' : ` -d '${jsonForShell(body)}'`;
  return `curl -s${method === 'POST' ? ' -X POST' : ''} ${url}${data} | jq`;
}

/** {"factor": 5} rather than {"factor":5}: how people write JSON on a command line. */
export function jsonForShell(body: unknown): string {
  return JSON.stringify(body).replace(/":/g, '": ').replace(/,"/g, ', "');
}
