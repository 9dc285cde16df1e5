// The provisioned Grafana files, read the way the tests need them: the dashboard's panels and
// every PromQL expression in it, with Grafana's built-in variables replaced as Grafana would, and
// which of them only a lab on the broker (QUEUE_BACKEND=rabbitmq, and RabbitMQ itself) can answer.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export const GRAFANA_DIR = path.resolve(__dirname, '../../../grafana');
export const DASHBOARD_FILE = path.join(GRAFANA_DIR, 'dashboards/backpressure-lab.json');

export interface DashboardQuery {
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
}

export const readDashboard = (): any => JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));

export const readProvisioning = (file: string): any => YAML.parse(readFileSync(path.join(GRAFANA_DIR, 'provisioning', file), 'utf8'));

/** Every panel, including those inside rows. */
export function allPanels(dashboard: any): any[] {
  return dashboard.panels.flatMap((p: any) => [p, ...(p.panels ?? [])]);
}

/**
 * Metrics that exist only on the broker backend: the producer's and consumer's broker_* series
 * and expired items (the names agreed for issue 11), and RabbitMQ's own (rabbitmq_prometheus).
 */
export const BROKER_ONLY_METRICS = [
  'backpressure_broker_connected',
  'backpressure_broker_queue_depth',
  'backpressure_broker_unacked_messages',
  'backpressure_broker_publish_nacks_total',
  'backpressure_broker_redeliveries_total',
  'backpressure_items_expired_total',
  'rabbitmq_queue_messages_ready',
  'rabbitmq_queue_messages_unacked',
  'rabbitmq_global_messages_received_total',
  'rabbitmq_global_messages_acknowledged_total',
];

export const BROKER_ROW_TITLE = 'Broker (RabbitMQ): with QUEUE_BACKEND=rabbitmq, open this row';

/** The metric names an expression reads (the lab's and RabbitMQ's). */
export const metricNames = (expr: string): string[] => [...new Set(expr.match(/\b(backpressure|rabbitmq)_\w+/g) ?? [])];

/** True when every metric the expression reads exists only on the broker. */
export const brokerOnly = (expr: string): boolean => {
  const names = metricNames(expr);
  return names.length > 0 && names.every((m) => BROKER_ONLY_METRICS.includes(m));
};

export function dashboardQueries(dashboard = readDashboard()): DashboardQuery[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((t: any) => ({ panel: panel.title, refId: t.refId, expr: t.expr, instant: t.instant === true })),
  );
}

/**
 * `expr` with Grafana's interval variables as Grafana computes them for a Prometheus scraped
 * every `scrapeSeconds` and a query step of `scrapeSeconds`: $__interval is the step, and
 * $__rate_interval is max($__interval + scrape interval, 4 × scrape interval). Throws on any
 * other variable, so a dashboard cannot use one this test does not know.
 */
export function withGrafanaVariables(expr: string, scrapeSeconds: number): string {
  const out = expr
    .replaceAll('$__rate_interval', `${4 * scrapeSeconds}s`)
    .replaceAll('$__interval', `${scrapeSeconds}s`);
  if (out.includes('$')) throw new Error(`unknown Grafana variable in: ${expr}`);
  return out;
}
