// The provisioned Grafana files, read the way the tests need them: the dashboard's panels and
// every PromQL expression in it, with Grafana's built-in variables replaced as Grafana would.
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
