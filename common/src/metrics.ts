// One Prometheus registry per process, with the `service` and `instance` labels on every series
// and prom-client's default process/Node.js metrics. (A scrape keeps the `instance` label only
// with honor_labels: true; otherwise Prometheus files it as `exported_instance`.)
//
// With tracing on, the registry speaks OpenMetrics, the only text format that carries exemplars
// (trace ids on samples, see exemplars.ts). Prometheus 2.x and 3.x both ask for it first in their
// Accept header and parse by the Content-Type the target answers with, which prom-client sets
// exactly (`application/openmetrics-text; version=1.0.0; charset=utf-8`). One registry cannot
// answer both formats by negotiation: rendering OpenMetrics renames prom-client's counters in
// place (`_total` moves from the family name to the sample), so the format is fixed at start.
// Without tracing there are no exemplars, and the classic text format (0.0.4) is served.

import type { RequestHandler } from 'express';
import { Counter, type CounterConfiguration, collectDefaultMetrics, Registry, type RegistryContentType } from 'prom-client';
import { tracingEnabled } from './telemetry';

export function createRegistry(service: string, instance: string): Registry {
  const registry = new Registry();
  if (tracingEnabled()) (registry as Registry<RegistryContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  registry.setDefaultLabels({ service, instance });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function metricsHandler(registry: Registry): RequestHandler {
  return async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  };
}

/**
 * A counter with one label whose values are all known in advance (reasons, sources), with a series
 * at 0 for each of them from the start. A labelled series otherwise does not exist until its first
 * increment, and a panel of a count that is still zero says "No data" instead of 0.
 */
export function knownCounter<L extends string>(
  config: Omit<CounterConfiguration<L>, 'labelNames'>,
  label: L,
  values: readonly string[],
): Counter<L> {
  const counter = new Counter({ ...config, labelNames: [label] });
  for (const value of values) {
    const labels = { [label]: value } as Record<L, string>;
    // prom-client's inc() takes one object when the counter carries exemplars (exemplars.ts).
    if (config.enableExemplars) counter.inc({ labels, value: 0 });
    else counter.inc(labels, 0);
  }
  return counter;
}
