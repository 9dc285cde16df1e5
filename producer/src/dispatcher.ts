// The dispatcher: `sender_concurrency` senders, each taking the next item from the queue and
// POSTing it to the consumer's /process over a keep-alive connection.
//
// A failed send never loses the item: it goes back to the head of the queue and its sender
// backs off (exponential, full jitter, at least the consumer's Retry-After) before trying again.
// After `max_attempts` failures the item is dead-lettered (counted and listed). A 429 is the
// consumer saying "busy": its sender backs off, but the item's attempts are not used up.
// A circuit breaker stops all sends for a moment when the consumer keeps failing.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance } from 'axios';
import type { Logger } from '../../common/src/logger';
import { CircuitBreaker } from './breaker';
import type { ProducerSettings } from './config';
import { DrainMeter } from './drain-meter';
import type { Item } from './item';
import type { Ledger, RetryReason } from './ledger';
import type { ItemQueue } from './queue';

interface SendFailure {
  reason: RetryReason;
  error: string;
  retryAfterMs: number;
}

export class Dispatcher {
  readonly breaker: CircuitBreaker;
  readonly meter = new DrainMeter();
  private readonly client: AxiosInstance;
  private readonly senders = new Set<number>();
  private stopping = false;
  private readonly wakeOnStop = new AbortController();

  constructor(
    private readonly queue: ItemQueue,
    private readonly ledger: Ledger,
    consumerUrl: string,
    private readonly settings: () => ProducerSettings,
    private readonly logger: Logger,
  ) {
    const s = settings();
    this.breaker = new CircuitBreaker(s.breaker_failure_threshold, s.breaker_reset_ms);
    this.client = axios.create({
      baseURL: consumerUrl,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 256 }),
      validateStatus: () => true, // every status is handled below
      maxRedirects: 0,
    });
  }

  /** Starts or stops senders to match sender_concurrency (also after a settings change). */
  resize(): void {
    const s = this.settings();
    this.breaker.threshold = s.breaker_failure_threshold;
    this.breaker.resetMs = s.breaker_reset_ms;
    for (let id = 0; id < s.sender_concurrency && !this.stopping; id++) {
      if (!this.senders.has(id)) void this.runSender(id);
    }
  }

  /** Items per second the consumer is measured to take at the current concurrency. */
  drainCapacity(): number {
    return this.meter.capacity(this.settings().sender_concurrency, this.queue.size > 0);
  }

  /** Stops taking items; resolves when in-flight sends have finished or `deadlineMs` passed. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.wakeOnStop.abort();
    this.queue.wakeSenders();
    const deadline = performance.now() + deadlineMs;
    while (this.ledger.inFlight > 0 && performance.now() < deadline) await sleep(20);
  }

  private async runSender(id: number): Promise<void> {
    this.senders.add(id);
    try {
      while (!this.stopping && id < this.settings().sender_concurrency) {
        const waitMs = this.breaker.delayBeforeSend();
        if (waitMs > 0) {
          await sleep(Math.min(waitMs, 100));
          continue;
        }
        const item = this.queue.shift();
        if (!item) {
          this.breaker.neutral(); // give back a half-open probe slot we did not use
          await this.queue.whenNotEmpty();
          continue;
        }
        await this.deliver(item);
      }
    } finally {
      this.senders.delete(id);
    }
  }

  private async deliver(item: Item): Promise<void> {
    const s = this.settings();
    this.ledger.taken(item);
    const started = performance.now();
    const failure = await this.send(item, s.send_timeout_ms);
    const elapsedMs = performance.now() - started;
    if (!failure) {
      this.breaker.success();
      this.meter.record(elapsedMs);
      this.ledger.delivered(item, elapsedMs / 1000);
      return;
    }
    if (failure.reason === 'http_429') {
      this.breaker.neutral();
    } else {
      this.breaker.failure();
      item.attempts++;
    }
    if (item.attempts >= s.max_attempts) {
      this.ledger.deadLetter(item, failure.error);
      this.logger.warn({ item_id: item.id, attempts: item.attempts, error: failure.error }, 'item dead-lettered');
      return;
    }
    this.queue.pushFront(item);
    this.ledger.retried(item, failure.reason);
    await sleep(backoffMs(item.attempts, failure.retryAfterMs, s), undefined, { signal: this.wakeOnStop.signal }).catch(
      () => {},
    );
  }

  /** One POST /process; undefined on success, else why it failed. */
  private async send(item: Item, timeoutMs: number): Promise<SendFailure | undefined> {
    try {
      const res = await this.client.post(
        '/process',
        { id: item.id, created_at: item.created_at, priority: item.priority, attempt: item.attempts + 1, payload: item.payload },
        { timeout: timeoutMs },
      );
      if (res.status >= 200 && res.status < 300) return undefined;
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      const reason: RetryReason = res.status === 429 ? 'http_429' : res.status >= 500 ? 'http_5xx' : 'http_4xx';
      return { reason, error: `consumer answered ${res.status}`, retryAfterMs };
    } catch (err) {
      const timedOut = axios.isAxiosError(err) && err.code === 'ECONNABORTED';
      const message = axios.isAxiosError(err) ? (err.code ?? err.message) : String(err);
      return { reason: timedOut ? 'timeout' : 'network', error: timedOut ? `timed out after ${timeoutMs} ms` : message, retryAfterMs: 0 };
    }
  }
}

/** Exponential backoff with full jitter, never shorter than Retry-After, capped at retry_max_ms. */
export function backoffMs(attempt: number, retryAfterMs: number, s: ProducerSettings): number {
  const ceiling = Math.min(s.retry_max_ms, s.retry_base_ms * 2 ** Math.max(0, attempt - 1));
  return Math.min(s.retry_max_ms, Math.max(retryAfterMs, Math.random() * ceiling));
}

/** Retry-After as seconds or an HTTP date, in ms; 0 when absent or unreadable. */
export function parseRetryAfter(value: unknown): number {
  if (typeof value !== 'string' || value === '') return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 0;
}
