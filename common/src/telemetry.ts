// Tracing for both services: OpenTelemetry's NodeSDK exporting spans as OTLP/HTTP (JSON) to
// OTEL_EXPORTER_OTLP_ENDPOINT (Jaeger v2 takes it directly on :4318).
//
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Off means off: the SDK is not even loaded
// (it costs ~25 MB of RSS and a quarter of a second at start), no span is created, and every
// tracing call site checks `tracingEnabled()` first.
//
// Each main.ts calls startTelemetry() before it imports anything else, so the SDK is set up
// before express and http are loaded. (No auto-instrumentation is used: the lab's spans are made
// by hand, in producer/src/tracing.ts and consumer/src/tracing.ts, where tests can see them.)
//
// Sampling: TRACE_SAMPLE_RATIO (0..1, default 1) of the items start a sampled trace; a trace's
// later spans, on the producer and the consumer, follow their parent's decision, so a sampled
// item is whole and an unsampled one costs almost nothing. At the lab's 10 items/s tracing every
// item is fine; at thousands per second lower it (0.01 keeps 1 in 100).
//
// Versions: @opentelemetry/sdk-node 0.223 / sdk-trace 2.12 — the newest line that runs on
// Node.js 20; the 0.3xx line needs Node 22. Keep them until the project moves to Node 22.
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { z } from 'zod';
import { readEnv, serviceEnv } from './env';
import { createLogger } from './logger';

let sdk: NodeSDK | undefined;

/** True once startTelemetry() found an endpoint and started the SDK. */
export function tracingEnabled(): boolean {
  return sdk !== undefined;
}

/** Starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set; `service` is the default service.name. */
export function startTelemetry(service: string, env: NodeJS.ProcessEnv = process.env): void {
  const settings = readEnv(z.object(serviceEnv), env);
  if (!settings.OTEL_EXPORTER_OTLP_ENDPOINT || sdk) return;
  const serviceName = settings.OTEL_SERVICE_NAME ?? service;
  // The SDK's own diagnostics: errors only (OTEL_LOG_LEVEL=debug shows everything). Failed
  // exports are not among them: ReportingExporter reports those, once per outage.
  if (!env.OTEL_LOG_LEVEL) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.ERROR);

  // Loaded only now, so that a service without tracing never loads the SDK.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { ParentBasedSampler, TraceIdRatioBasedSampler } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { setGlobalErrorHandler } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { ReportingExporter } = require('./reporting-exporter') as typeof import('./reporting-exporter');

  const logger = createLogger(serviceName, settings);
  // The batch processor also hands every failed export to the global error handler, which
  // would log it per batch: ReportingExporter has already said what matters.
  setGlobalErrorHandler((err) => diag.debug('OpenTelemetry error', err));
  sdk = new NodeSDK({
    serviceName,
    traceExporter: new ReportingExporter(new OTLPTraceExporter(), logger),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.TRACE_SAMPLE_RATIO) }),
    instrumentations: [],
    // Traces only: without these the SDK would also push metrics and logs over OTLP.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  logger.info({ endpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT, sample_ratio: settings.TRACE_SAMPLE_RATIO }, 'tracing on');
}

/** Flushes the spans still buffered (bounded: a collector that is down must not hold up the exit). */
export async function stopTelemetry(deadlineMs = 2000): Promise<void> {
  if (!sdk) return;
  const stopping = sdk.shutdown().catch(() => {});
  sdk = undefined;
  await Promise.race([stopping, new Promise((resolve) => setTimeout(resolve, deadlineMs).unref())]);
}
