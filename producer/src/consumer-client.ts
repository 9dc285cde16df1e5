// How the producer talks to the consumer: POST /process with one item, or POST /process-batch
// with several, over keep-alive connections (axios, with a keep-alive agent). It answers one
// outcome per item, so the dispatcher accounts for and retries every item on its own whichever
// way it was sent.
//
// The client is set up once so each request does as little as possible: bodies are sent as the
// JSON strings the dispatcher built and answers read as text (no transforms), no proxy lookup,
// no redirects, every status handled here rather than thrown.
import http from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import { parseRetryAfter } from '../../common/src/http';
import type { Item } from './item';
import { traceHeaders } from './tracing';
import type { RetryReason } from './vocabulary';

export interface SendFailure {
  reason: RetryReason;
  error: string;
  retryAfterMs: number;
}

/**
 * The consumer processed the item (a lone item's answer also says how long that took), or, with
 * `expired`, dropped it unprocessed because its deadline had passed.
 */
export interface Delivered {
  processingMs?: number;
  expired?: true;
}

export type SendOutcome = SendFailure | Delivered;

const DELIVERED: Delivered = {};
const EXPIRED: Delivered = { expired: true };
/** A /process answer for an item dropped past its deadline. */
const EXPIRED_ANSWER = '"status":"expired"';
/** `"processing_ms":123` in a /process answer: a regular expression, cheaper than parsing the JSON. */
const PROCESSING_MS = /"processing_ms":(\d+)/;

interface Answer {
  status: number;
  retryAfterMs: number;
  text: string;
}

/** What the consumer says about each item of a batch (its POST /process-batch answer). */
type BatchItemStatus = 'processed' | 'failed' | 'busy' | 'expired';

const BATCH_STATUSES = new Set<BatchItemStatus>(['processed', 'failed', 'busy', 'expired']);
const HEADERS = { 'content-type': 'application/json' };
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
/** sender_concurrency is at most 256: one connection each. */
const MAX_CONNECTIONS = 256;

/** The JSON the consumer gets for one item (alone, or as one element of a batch). */
export function itemRequestBody(item: Item): string {
  return JSON.stringify({
    id: item.id,
    created_at: item.created_at,
    priority: item.priority,
    attempt: item.attempts + 1,
    deadline_at: item.deadline_at || undefined, // absent when it has none
    payload: item.payload,
  });
}

export class ConsumerClient {
  private readonly http: AxiosInstance;

  constructor(consumerUrl: string) {
    this.http = axios.create({
      baseURL: consumerUrl,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: MAX_CONNECTIONS }),
      proxy: false,
      maxRedirects: 0,
      responseType: 'text',
      transformRequest: [(data: string) => data],
      transformResponse: [(data: string) => data],
      validateStatus: () => true,
    });
  }

  /** POST /process with one item's body. */
  async sendOne(body: string, timeoutMs: number): Promise<SendOutcome> {
    const answer = await this.post('/process', body, timeoutMs);
    if ('reason' in answer) return answer;
    const failure = failureFromStatus(answer.status, answer.retryAfterMs);
    if (failure) return failure;
    if (answer.text.includes(EXPIRED_ANSWER)) return EXPIRED;
    const processingMs = PROCESSING_MS.exec(answer.text)?.[1];
    return processingMs === undefined ? DELIVERED : { processingMs: Number(processingMs) };
  }

  /** POST /process-batch with several items' bodies; one outcome per item, in order. */
  async sendBatch(items: Item[], bodies: string[], timeoutMs: number): Promise<SendOutcome[]> {
    const answer = await this.post('/process-batch', `{"items":[${bodies.join(',')}]}`, timeoutMs);
    if ('reason' in answer) return items.map(() => answer);
    const failure = failureFromStatus(answer.status, answer.retryAfterMs);
    if (failure) return items.map(() => failure);
    const statuses = batchStatuses(answer.text, items);
    if (!statuses) {
      const malformed: SendFailure = { reason: 'http_5xx', error: 'consumer answered without a result for every item', retryAfterMs: 0 };
      return items.map(() => malformed);
    }
    return statuses.map((status) =>
      status === 'processed'
        ? DELIVERED
        : status === 'expired'
          ? EXPIRED
          : status === 'busy'
            ? { reason: 'http_429', error: 'consumer answered busy for the item', retryAfterMs: answer.retryAfterMs }
            : { reason: 'http_5xx', error: 'consumer failed the item', retryAfterMs: 0 },
    );
  }

  /** The consumer's answer, or why there was none (it could not be reached, or took too long). */
  private async post(path: string, body: string, timeoutMs: number): Promise<Answer | SendFailure> {
    try {
      const headers = { ...HEADERS, ...traceHeaders() }; // traceparent, when the send is traced
      const res = await this.http.post<string>(path, body, { headers, timeout: timeoutMs });
      return { status: res.status, retryAfterMs: parseRetryAfter(res.headers['retry-after']), text: res.data };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code && TIMEOUT_CODES.has(code)) return { reason: 'timeout', error: `timed out after ${timeoutMs} ms`, retryAfterMs: 0 };
      return { reason: 'network', error: code ?? String(err), retryAfterMs: 0 };
    }
  }
}

function failureFromStatus(status: number, retryAfterMs: number): SendFailure | undefined {
  if (status >= 200 && status < 300) return undefined;
  const reason: RetryReason = status === 429 ? 'http_429' : status >= 500 ? 'http_5xx' : 'http_4xx';
  return { reason, error: `consumer answered ${status}`, retryAfterMs };
}

/** The per-item statuses of a /process-batch answer, or undefined unless there is one per item, in order. */
function batchStatuses(text: string, items: Item[]): BatchItemStatus[] | undefined {
  let results: unknown;
  try {
    results = (JSON.parse(text) as { results?: unknown }).results;
  } catch {
    return undefined;
  }
  if (!Array.isArray(results) || results.length !== items.length) return undefined;
  const statuses: BatchItemStatus[] = [];
  for (const [i, result] of results.entries()) {
    const { id, status } = (result ?? {}) as { id?: unknown; status?: unknown };
    if (id !== items[i].id || !BATCH_STATUSES.has(status as BatchItemStatus)) return undefined;
    statuses.push(status as BatchItemStatus);
  }
  return statuses;
}
