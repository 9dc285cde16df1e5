// The producer's per-item spans. One trace per item (Jaeger: service "producer"):
//
//   admission              the offer, from the moment the item is offered until admission decided
//   │                      (waiting for a token or for room is inside it); outcome and reason
//   ├─ queue_wait          enqueue → a sender took it: the time it sat in the queue
//   ├─ send_to_consumer    one POST /process; its traceparent header makes the consumer's
//   │  └─ process_item     span (consumer/src/tracing.ts) its child
//   └─ queue_wait, send_to_consumer ...   again after each failed send (the retry)
//
// The ledger calls these methods at the moments it records; with tracing off there is no
// ItemTracer and no span work at all. A queued item carries only its trace context
// (item.trace, a few strings); its queue_wait span is made when it leaves the queue, from its
// own enqueue timestamp, so no span object waits in the queue with it.
import { type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Decision } from './admission/outcome';
import type { Item } from './item';
import { queueNow, queueTimeToEpochMs } from './queue-clock';
import type { RetryReason, Source } from './vocabulary';

const tracer = trace.getTracer('backpressure-lab-producer');

export interface QueueView {
  queueSize(): number;
  mode(): string;
}

export class ItemTracer {
  /** Admission spans of offers not yet decided. */
  private readonly admitting = new WeakMap<Item, Span>();
  /** Send spans of items in flight, kept apart from the admission spans: a retried item is
   * sent again after its admission span has long ended. */
  private readonly sending = new WeakMap<Item, Span>();

  constructor(private readonly queue: QueueView) {}

  /** An item is offered to admission: its trace starts here. */
  offered(item: Item, source: Source): void {
    const span = tracer.startSpan(
      'admission',
      {
        attributes: {
          'item.id': item.id,
          'item.source': source,
          'item.priority': item.priority,
          'item.job': item.job,
          'queue.mode': this.queue.mode(),
        },
      },
      ROOT_CONTEXT,
    );
    item.trace = span.spanContext();
    this.admitting.set(item, span);
  }

  decided(item: Item, decision: Decision): void {
    const span = this.admitting.get(item);
    if (!span) return;
    this.admitting.delete(item);
    span.setAttributes({
      'admission.outcome': decision.kind,
      'queue.size': this.queue.queueSize(),
      'queue.mode': this.queue.mode(),
    });
    if (decision.kind === 'rejected') span.setAttribute('admission.reason', decision.reason);
    span.end();
  }

  /** A sender took `item`: ends its queue wait, starts its send; returns the context the send runs in. */
  taken(item: Item): Context | undefined {
    if (!item.trace) return undefined;
    // One reading of the queue's clock for the wait's end, the send's start and queue.latency_seconds.
    // With two (Date.now() before the wait's span was made, queueNow() after), whatever ran between
    // them showed as a gap: more than 2 ms once on a busy machine (test/tracing.test.ts).
    const left = queueNow();
    const now = queueTimeToEpochMs(left);
    this.queueWait(item, left, 'sent');
    const span = tracer.startSpan(
      'send_to_consumer',
      {
        kind: SpanKind.CLIENT,
        startTime: now,
        attributes: {
          'item.id': item.id,
          'item.attempt': item.attempts + 1,
          'item.age_seconds': (now - item.created_at) / 1000,
          'queue.size': this.queue.queueSize(),
          'queue.mode': this.queue.mode(),
          'queue.latency_seconds': (left - item.enqueued_at) / 1000,
        },
      },
      this.parent(item),
    );
    this.sending.set(item, span);
    return trace.setSpan(ROOT_CONTEXT, span);
  }

  delivered(item: Item): void {
    this.endSend(item, 'delivered');
  }

  retried(item: Item, reason: RetryReason): void {
    this.endSend(item, reason, `send failed (${reason}); the item goes back to the queue`);
  }

  deadLettered(item: Item, error: string): void {
    this.endSend(item, 'dead_lettered', `dead-lettered after ${item.attempts} attempts: ${error}`);
  }

  /** drop_oldest evicted `item` from the queue: its wait ends there. */
  evicted(item: Item): void {
    if (item.trace) this.queueWait(item, queueNow(), 'evicted');
  }

  /** `item` outlived max_item_age_ms in the queue: its wait ends there. */
  expired(item: Item): void {
    if (item.trace) this.queueWait(item, queueNow(), 'expired');
  }

  /** The queue_wait span of `item`, from its enqueue to `left` (both on the queue's clock). */
  private queueWait(item: Item, left: number, outcome: string): void {
    tracer
      .startSpan(
        'queue_wait',
        {
          startTime: queueTimeToEpochMs(item.enqueued_at),
          attributes: {
            'item.id': item.id,
            'queue.outcome': outcome,
            'queue.wait_seconds': (left - item.enqueued_at) / 1000,
          },
        },
        this.parent(item),
      )
      .end(queueTimeToEpochMs(left));
  }

  private endSend(item: Item, result: string, error?: string): void {
    const span = this.sending.get(item);
    if (!span) return;
    this.sending.delete(item);
    span.setAttribute('send.result', result);
    if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end();
  }

  private parent(item: Item): Context {
    return item.trace ? trace.setSpanContext(ROOT_CONTEXT, item.trace) : ROOT_CONTEXT;
  }
}

/** The W3C trace context headers (traceparent) of the span active now; none without tracing. */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** The W3C trace context headers of an item's own trace (its admission span), for its message on the broker. */
export function itemTraceHeaders(item: Item): Record<string, string> {
  const headers: Record<string, string> = {};
  if (item.trace) propagation.inject(trace.setSpanContext(ROOT_CONTEXT, item.trace), headers);
  return headers;
}
