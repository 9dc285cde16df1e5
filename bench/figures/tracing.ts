// Figure 6 — tracing cost: the one-item-per-request delivery ceiling with tracing on (both
// services export OTLP/HTTP to a local sink, at the default TRACE_SAMPLE_RATIO) against the
// same ceiling with tracing off, measured by figure 2 in this same run.
import type { Plan } from '../plan';
import { startOtlpSink } from '../otlp-sink';
import type { Figure } from '../report';
import { round } from '../stats';
import { measureCeiling, startCeilingLab } from './delivery';

export async function tracingCost(plan: Plan, offPerSecond: number): Promise<Figure> {
  const sink = await startOtlpSink();
  const lab = await startCeilingLab(plan, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url });
  try {
    const on = await measureCeiling(plan, lab, plan.delivery.fill, { send_batch_size: 1, sender_concurrency: plan.delivery.senders });
    await lab.stop(); // services flush their last spans on the way out
    const exported = sink.exports > 0;
    const ratio = on.perSecond / offPerSecond;
    return {
      title: 'Tracing cost',
      rows: [
        {
          name: 'delivery with tracing on, one item per request',
          measured: exported
            ? `${Math.round(on.perSecond)}/s = ${round(ratio, 2)} × tracing off`
            : `${Math.round(on.perSecond)}/s — no spans exported: this build has no tracing`,
          goal: '—',
          met: null,
          event_loop_delay_p99_ms: round(on.eld, 2),
          values: {
            tracing_exported: exported,
            items_per_second_on: round(on.perSecond, 1),
            items_per_second_off: round(offPerSecond, 1),
            ratio_on_to_off: round(ratio, 3),
            otlp_export_requests: sink.exports,
            otlp_bytes: sink.bytes,
            runs: on.runs,
          },
        },
      ],
      notes: ['OTEL_EXPORTER_OTLP_ENDPOINT points both services at an in-process sink on 127.0.0.1 that answers 200 (bench/otlp-sink.ts)'],
    };
  } finally {
    await lab.stop();
    await sink.close();
  }
}
