// The consumer's span: process_item (Jaeger: service "consumer"), the child of the producer's
// send_to_consumer span. The producer sends the W3C `traceparent` header with every
// POST /process; it is read here, by hand, rather than by an auto-instrumentation.
// With the broker (QUEUE_BACKEND=rabbitmq) `traceparent` travels in the message's headers and
// points at the item's admission span; the consumer then also records the item's queue_wait:
// from its publish to its delivery, the time it spent in RabbitMQ.
import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { tracingEnabled } from '../../common/src/telemetry';
import type { ProcessResult } from './consumer';

const tracer = trace.getTracer('backpressure-lab-consumer');

export interface ItemToProcess {
  id: string;
  created_at: number;
  attempt?: number;
  priority?: string;
}

/**
 * Runs `process` inside a process_item span that continues the caller's trace, so the metrics'
 * exemplars and the log lines written meanwhile carry its trace id. Without tracing: just runs it.
 */
export async function traceProcessing(
  headers: IncomingHttpHeaders,
  item: ItemToProcess,
  process: () => Promise<ProcessResult>,
): Promise<ProcessResult> {
  if (!tracingEnabled()) return process();
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(
    'process_item',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'item.id': item.id,
        'item.attempt': item.attempt ?? 1,
        'item.priority': item.priority ?? 'normal',
        'item.age_seconds': Math.max(0, Date.now() - item.created_at) / 1000,
      },
    },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), process);
    span.setAttribute('process.result', result);
    if (result === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: 'injected failure' });
    return result;
  } finally {
    span.end();
  }
}

/** A delivery from the broker: its queue_wait span (publish → now), then process_item, both in the item's trace. */
export async function traceDelivery(
  headers: Record<string, unknown>,
  item: ItemToProcess,
  enqueuedAt: number | undefined,
  process: () => Promise<ProcessResult>,
): Promise<ProcessResult> {
  if (!tracingEnabled()) return process();
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate']) if (typeof headers[key] === 'string') carrier[key] = headers[key];
  if (enqueuedAt !== undefined) {
    const now = Date.now();
    tracer
      .startSpan(
        'queue_wait',
        {
          startTime: enqueuedAt,
          attributes: { 'item.id': item.id, 'queue.backend': 'rabbitmq', 'queue.wait_seconds': (now - enqueuedAt) / 1000 },
        },
        propagation.extract(ROOT_CONTEXT, carrier),
      )
      .end(now);
  }
  return traceProcessing(carrier, item, process);
}
