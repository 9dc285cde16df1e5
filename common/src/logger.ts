// JSON logs with pino. One logger per process; the service name is on every line, and a line
// written while a span is active carries its trace_id and span_id (look the trace up in Jaeger).
import { trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(service: string, level: string): Logger {
  return pino({ level, base: { service }, mixin: traceFields });
}

// Without tracing there is never an active span, and this is one lookup that finds none.
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
