// The provisioned Grafana files, read the way the tests need them: the dashboard's panels and
// every PromQL expression in it, with Grafana's built-in variables replaced as Grafana would.
//
// Panels that show series only one queue backend makes (the RabbitMQ broker's, say) sit under a
// row whose title names it as `(QUEUE_BACKEND=<name>)`, e.g. "Broker (QUEUE_BACKEND=rabbitmq)";
// those only a downstream makes, as `(DOWNSTREAM=<name>)`, e.g. "Downstream (DOWNSTREAM=postgres)".
// Every other panel belongs to all backends: its queries must return data whatever the backend.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Prometheus } from './prometheus';

export const GRAFANA_DIR = path.resolve(__dirname, '../../../grafana');
export const DASHBOARD_FILE = path.join(GRAFANA_DIR, 'dashboards/backpressure-lab.json');

export interface DashboardQuery {
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
  /** The only backend whose series this query shows (from its row's title); undefined for all. */
  backend: string | undefined;
}

/** How a row's title marks its panels as one backend's. */
const BACKEND_IN_ROW_TITLE = /\((?:QUEUE_BACKEND|DOWNSTREAM)=([a-z0-9_]+)\)/;

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

/** The broker's row: its title marks its panels as the rabbitmq backend's (see BACKEND_IN_ROW_TITLE). */
export const BROKER_ROW_TITLE = 'Broker (QUEUE_BACKEND=rabbitmq): open this row on RabbitMQ';

/** The metric names an expression reads (the lab's and RabbitMQ's). */
export const metricNames = (expr: string): string[] => [...new Set(expr.match(/\b(backpressure|rabbitmq)_\w+/g) ?? [])];

/** True when every metric the expression reads exists only on the broker. */
export const brokerOnly = (expr: string): boolean => {
  const names = metricNames(expr);
  return names.length > 0 && names.every((m) => BROKER_ONLY_METRICS.includes(m));
};

export function dashboardQueries(dashboard = readDashboard()): DashboardQuery[] {
  // A row holds the panels below it up to the next row (Grafana orders by position), or, when
  // collapsed, the panels nested in it.
  const byPosition = [...dashboard.panels].sort((a: any, b: any) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x);
  let backend: string | undefined;
  return byPosition.flatMap((top: any) => {
    if (top.type === 'row') backend = BACKEND_IN_ROW_TITLE.exec(top.title)?.[1];
    return [top, ...(top.panels ?? [])].flatMap((panel: any) =>
      (panel.targets ?? []).map((t: any) => ({ panel: panel.title, refId: t.refId, expr: t.expr, instant: t.instant === true, backend })),
    );
  });
}

/** The queries that must return data on a lab running `backend`. */
export const dashboardQueriesFor = (backend: string, dashboard = readDashboard()) =>
  dashboardQueries(dashboard).filter((q) => q.backend === undefined || q.backend === backend);

/**
 * The queries that return no finite value from `prometheus`, asked as Grafana asks: the stat
 * panels' instant queries at `end`, the graphs over `start`..`end` (unix seconds).
 */
export async function queriesWithoutData(
  prometheus: Prometheus,
  queries: DashboardQuery[],
  start: number,
  end: number,
  scrapeSeconds: number,
): Promise<string[]> {
  const empty: string[] = [];
  for (const q of queries) {
    const expr = withGrafanaVariables(q.expr, scrapeSeconds);
    const series = q.instant ? await prometheus.query(expr, end) : await prometheus.queryRange(expr, start, end, scrapeSeconds);
    const values = series.flatMap((s) => s.values.map(([, v]) => Number(v))).filter(Number.isFinite);
    if (values.length === 0) empty.push(`${q.panel} / ${q.refId}: ${expr}`);
  }
  return empty;
}

/**
 * `expr` with Grafana's interval variables as Grafana computes them for a Prometheus scraped
 * every `scrapeSeconds` and a query step of `scrapeSeconds`: $__interval is the step, and
 * $__rate_interval is max($__interval + scrape interval, 4 × scrape interval). Throws on any
 * other variable, so a dashboard cannot use one this test does not know.
 */
export function withGrafanaVariables(expr: string, scrapeSeconds: number): string {
  const out = expr.replaceAll('$__rate_interval', `${4 * scrapeSeconds}s`).replaceAll('$__interval', `${scrapeSeconds}s`);
  if (out.includes('$')) throw new Error(`unknown Grafana variable in: ${expr}`);
  return out;
}
