// Figure 6 — tracing cost: the one-item-per-request delivery ceiling with tracing on (both
// services export OTLP/HTTP to a local sink, at the default TRACE_SAMPLE_RATIO) against the same
// ceiling with tracing off, in alternating runs of two labs.

import { startOtlpSink } from '../otlp-sink';
import type { Plan } from '../plan';
import type { Figure } from '../report';
import { round } from '../stats';
import { type CeilingRun, ceilingRun, startCeilingLab, summarize } from './delivery';

export async function tracingCost(plan: Plan): Promise<Figure> {
  const sink = await startOtlpSink();
  const off = await startCeilingLab();
  const on = await startCeilingLab({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.url });
  try {
    const inFlight = Math.max(...plan.delivery.inFlight); // saturated
    const settings = { send_batch_size: 1, sender_concurrency: inFlight, consumer_max_concurrency: inFlight };
    const offRuns: CeilingRun[] = [];
    const onRuns: CeilingRun[] = [];
    for (let run = 0; run < plan.runs; run++) {
      offRuns.push(await ceilingRun(plan, off, plan.delivery.fill, settings));
      onRuns.push(await ceilingRun(plan, on, plan.delivery.fill, settings));
    }
    await on.stop(); // the services flush their last spans on the way out
    const [withOff, withOn] = [summarize(offRuns), summarize(onRuns)];
    const exported = sink.exports > 0;
    const ratio = withOn.perSecond / withOff.perSecond;
    return {
      title: 'Tracing cost',
      rows: [
        {
          name: 'delivery with tracing on, one item per request',
          measured: exported
            ? `${Math.round(withOn.perSecond)}/s = ${round(ratio, 2)} × tracing off (${Math.round(withOff.perSecond)}/s)`
            : `${Math.round(withOn.perSecond)}/s, off ${Math.round(withOff.perSecond)}/s — no spans exported: this build has no tracing`,
          goal: '—',
          met: null,
          event_loop_delay_p99_ms: round(withOn.eld, 2),
          values: {
            tracing_exported: exported,
            items_per_second_on: round(withOn.perSecond, 1),
            items_per_second_off: round(withOff.perSecond, 1),
            ratio_on_to_off: round(ratio, 3),
            otlp_export_requests: sink.exports,
            otlp_bytes: sink.bytes,
            runs_on: withOn.runs,
            runs_off: withOff.runs,
          },
        },
      ],
      notes: ['OTEL_EXPORTER_OTLP_ENDPOINT points both services at an in-process sink on 127.0.0.1 that answers 200 (bench/otlp-sink.ts)'],
    };
  } finally {
    await Promise.all([off.stop(), on.stop()]);
    await sink.close();
  }
}
