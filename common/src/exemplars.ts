// Exemplars: a counter or histogram sample that carries the trace_id of one item behind it, so
// Grafana can jump from a point on a graph to that item's trace in Jaeger. The label is
// `trace_id`, the name grafana/provisioning/datasources/datasources.yml looks for.
//
// Exemplars exist only with tracing on: prom-client allows them only on an OpenMetrics registry,
// which createRegistry() makes exactly then. Metrics that carry them are created with
// `...exemplarOption()`, which changes prom-client's call signature when on: update them through
// count() and observe() below, never with inc(labels) directly.
import { isSpanContextValid, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import type { Counter, Histogram, LabelValues } from 'prom-client';
import { tracingEnabled } from './telemetry';

/** The exemplar label that holds the trace id; Grafana's exemplarTraceIdDestinations names it. */
export const EXEMPLAR_TRACE_LABEL = 'trace_id';

export interface Exemplar {
  [EXEMPLAR_TRACE_LABEL]: string;
}

/** The exemplar for a sampled trace; undefined for no trace or an unsampled one (not in Jaeger). */
export function exemplarOf(context: SpanContext | undefined): Exemplar | undefined {
  if (!context || !(context.traceFlags & TraceFlags.SAMPLED) || !isSpanContextValid(context)) return undefined;
  return { [EXEMPLAR_TRACE_LABEL]: context.traceId };
}

/** The exemplar of the span active now, if any. */
export function activeExemplar(): Exemplar | undefined {
  return exemplarOf(trace.getActiveSpan()?.spanContext());
}

/** For a metric's configuration: exemplars on when tracing is. */
export const exemplarOption = () => ({ enableExemplars: tracingEnabled() });

// prom-client types exemplar labels as the metric's own label names; they are not.
type AsLabels<T extends string> = LabelValues<T> | undefined;

export function count<T extends string>(counter: Counter<T>, labels: LabelValues<T> = {}, exemplar?: Exemplar, value = 1): void {
  if (tracingEnabled()) counter.inc({ labels, value, exemplarLabels: exemplar as AsLabels<T> });
  else counter.inc(labels, value);
}

export function observe<T extends string>(histogram: Histogram<T>, value: number, exemplar?: Exemplar, labels: LabelValues<T> = {}): void {
  if (tracingEnabled()) histogram.observe({ labels, value, exemplarLabels: exemplar as AsLabels<T> });
  else histogram.observe(labels, value);
}
