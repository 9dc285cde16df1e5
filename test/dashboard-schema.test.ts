// The provisioned Grafana files, checked offline (no Grafana runs here): the dashboard JSON
// against JSON schemas generated from @grafana/schema's TypeScript types (the dashboard model,
// and each panel plugin's options), its datasource references against the provisioning files,
// and the exemplar → Jaeger link against the label the services write.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import Ajv, { type ValidateFunction } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { EXEMPLAR_TRACE_LABEL } from '../common/src/exemplars';
import {
  allPanels,
  BROKER_ONLY_METRICS,
  BROKER_ROW_TITLE,
  brokerOnly,
  metricNames,
  readDashboard,
  readProvisioning,
} from './helpers/dashboard';

const RAW = path.join(path.dirname(require.resolve('@grafana/schema/package.json')), 'dist/types/raw');
const panelConfig = (plugin: string) => path.join(RAW, `composable/${plugin}/panelcfg/x/types.gen.d.ts`);

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });

/** A validator for `type` as declared in `file`; objects may hold no property the type lacks. */
function validatorFor(file: string, type: string, extend?: (schema: any) => void): ValidateFunction {
  const schema: any = createGenerator({ path: file, type, skipTypeCheck: true, additionalProperties: false }).createSchema(type);
  extend?.(schema.definitions[type]);
  return ajv.compile(schema);
}

function assertValid(validate: ValidateFunction, value: unknown, what: string): void {
  assert.ok(validate(value), `${what}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
}

const dashboard = readDashboard();
const panels = allPanels(dashboard).filter((p) => p.type !== 'row');
let validateDashboard: ValidateFunction;
let validateTarget: ValidateFunction;
const pluginValidators: Record<string, { options: ValidateFunction; custom?: ValidateFunction }> = {};

before(() => {
  validateDashboard = validatorFor(path.join(RAW, 'dashboard/x/types.gen.d.ts'), 'Dashboard');
  // A Prometheus query: @grafana/schema's DataQuery plus the fields of @grafana/prometheus's
  // `Prometheus` query type (that package needs React and Grafana's UI, so it is modelled here).
  validateTarget = validatorFor(path.join(RAW, '../common/common.gen.d.ts'), 'DataQuery', (query) => {
    Object.assign(query.properties, {
      expr: { type: 'string', minLength: 1 },
      legendFormat: { type: 'string' },
      editorMode: { enum: ['code', 'builder'] },
      format: { enum: ['time_series', 'table', 'heatmap'] },
      instant: { type: 'boolean' },
      range: { type: 'boolean' },
      exemplar: { type: 'boolean' },
      interval: { type: 'string' },
    });
    query.required.push('expr');
  });
  pluginValidators.timeseries = {
    options: validatorFor(panelConfig('timeseries'), 'Options'),
    custom: validatorFor(panelConfig('timeseries'), 'FieldConfig'),
  };
  pluginValidators['state-timeline'] = {
    options: validatorFor(panelConfig('statetimeline'), 'Options'),
    custom: validatorFor(panelConfig('statetimeline'), 'FieldConfig'),
  };
  pluginValidators.stat = { options: validatorFor(panelConfig('stat'), 'Options') };
});

test('the dashboard is a valid Grafana dashboard model', () => {
  assertValid(validateDashboard, dashboard, 'dashboard');
  assert.equal(dashboard.title, 'Backpressure Lab');
  assert.equal(dashboard.uid, 'backpressure-lab');
});

test("every panel's options and field config are valid for its plugin, and every query for Prometheus", () => {
  for (const panel of panels) {
    const plugin = pluginValidators[panel.type];
    assert.ok(plugin, `panel "${panel.title}": no schema checked for type ${panel.type}`);
    assertValid(plugin.options, panel.options, `"${panel.title}" options`);
    if (plugin.custom) assertValid(plugin.custom, panel.fieldConfig.defaults.custom ?? {}, `"${panel.title}" fieldConfig.defaults.custom`);
    assert.ok(panel.targets.length > 0, `"${panel.title}" has queries`);
    for (const target of panel.targets) assertValid(validateTarget, target, `"${panel.title}" query ${target.refId}`);
    assert.equal(new Set(panel.targets.map((t: any) => t.refId)).size, panel.targets.length, `"${panel.title}" refIds are unique`);
  }
});

test('panels have unique ids and do not overlap on the 24-column grid', () => {
  const all = allPanels(dashboard);
  assert.equal(new Set(all.map((p) => p.id)).size, all.length);
  for (const [i, a] of all.entries()) {
    assert.ok(a.gridPos.x + a.gridPos.w <= 24, `"${a.title}" fits`);
    for (const b of all.slice(i + 1)) {
      const apart =
        a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
        b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
        a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
        b.gridPos.y + b.gridPos.h <= a.gridPos.y;
      assert.ok(apart, `"${a.title}" and "${b.title}" overlap`);
    }
  }
});

test('the panels the lab tells learners to watch, and one per strategy, are there', () => {
  const titles = panels.map((p) => p.title);
  for (const title of [
    'Queue Depth',
    'Memory Usage',
    'Throughput',
    'Rejected & Dropped',
    'Queue Wait p50 / p95 / p99',
    'Processing Time',
    'Rate Limit Delays',
    'In Flight',
    'Totals',
    'Blocked Time',
    'Adaptive Limit',
    'Circuit Breaker State',
    'Retries & Consumer Refusals',
    'Dead Letters',
    'Jobs',
    'Current mode',
  ]) {
    assert.ok(titles.includes(title), `panel "${title}"`);
  }
  const depth = panels.find((p) => p.title === 'Queue Depth');
  assert.ok(
    depth.targets.some((t: any) => t.expr === 'backpressure_queue_limit'),
    'Queue Depth draws the limit',
  );
});

test('datasources: fixed uids, Docker URLs, and every reference in the dashboard resolves', () => {
  const { datasources } = readProvisioning('datasources/datasources.yml');
  const byUid = new Map<string, any>(datasources.map((d: any) => [d.uid, d]));
  assert.equal(byUid.get('prometheus')?.type, 'prometheus');
  assert.equal(byUid.get('prometheus')?.url, 'http://prometheus:9090');
  assert.equal(byUid.get('jaeger')?.type, 'jaeger');
  assert.equal(byUid.get('jaeger')?.url, 'http://jaeger:16686');
  for (const panel of panels) {
    for (const ref of [panel.datasource, ...panel.targets.map((t: any) => t.datasource)]) {
      assert.equal(byUid.get(ref.uid)?.type, ref.type, `"${panel.title}" refers to ${JSON.stringify(ref)}`);
    }
  }
});

test('exemplars link to Jaeger by the label the services write', () => {
  const { datasources } = readProvisioning('datasources/datasources.yml');
  const prometheus = datasources.find((d: any) => d.type === 'prometheus');
  const jaeger = datasources.find((d: any) => d.type === 'jaeger');
  assert.deepEqual(
    prometheus.jsonData.exemplarTraceIdDestinations.map((d: any) => [d.name, d.datasourceUid]),
    [[EXEMPLAR_TRACE_LABEL, jaeger.uid]],
  );
  // The latency graphs ask for exemplars.
  for (const histogram of [
    'backpressure_send_duration_seconds',
    'backpressure_queue_wait_seconds',
    'backpressure_processing_duration_seconds',
  ]) {
    const targets = panels.flatMap((p) => p.targets).filter((t: any) => t.expr.includes(`${histogram}_bucket`));
    assert.ok(targets.length > 0 && targets.every((t: any) => t.exemplar === true), `${histogram} quantiles show exemplars`);
  }
});

test('the dashboards provider loads the folder the Docker stack mounts the dashboards in', () => {
  const { providers } = readProvisioning('dashboards/dashboards.yml');
  assert.equal(providers.length, 1);
  assert.equal(providers[0].type, 'file');
  assert.equal(providers[0].options.path, '/var/lib/grafana/dashboards');
});

test('the Broker (QUEUE_BACKEND=rabbitmq) row: last, collapsed, and each panel says why it is empty off the broker', () => {
  const row = dashboard.panels.at(-1);
  assert.equal(row.type, 'row');
  assert.equal(row.title, BROKER_ROW_TITLE);
  // Collapsed: off the broker its panels are out of sight and Grafana runs none of their queries.
  assert.equal(row.collapsed, true);
  assert.deepEqual(
    row.panels.map((p: any) => p.title),
    [
      'Broker Connection',
      'Broker Queue: Ready & Unacked',
      'Publish Nacks & Redeliveries',
      'Dropped Heads, Expired, Dead-Lettered',
      'RabbitMQ: Messages in Queues',
      'RabbitMQ: Received & Acknowledged',
    ],
  );
  for (const panel of row.panels) {
    const onlyBroker = panel.targets.every((t: any) => brokerOnly(t.expr));
    // "No data" alone would read as a fault: a panel only the broker fills says why it is empty.
    if (onlyBroker) assert.match(panel.fieldConfig.defaults.noValue ?? '', /memory|broker/, `"${panel.title}" noValue`);
    for (const target of panel.targets) {
      const unknown = metricNames(target.expr)
        .filter((m) => m.startsWith('rabbitmq_') || m.startsWith('backpressure_broker_'))
        .filter((m) => !BROKER_ONLY_METRICS.includes(m));
      assert.deepEqual(unknown, [], `"${panel.title}" ${target.refId}: metric names outside the agreed list`);
    }
  }
  // Every broker metric of the agreed list is on a panel.
  const shown = new Set(row.panels.flatMap((p: any) => p.targets.flatMap((t: any) => metricNames(t.expr))));
  assert.deepEqual(
    BROKER_ONLY_METRICS.filter((m) => !shown.has(m)),
    [],
  );
  // ... and nowhere else: the rest of the dashboard works on the in-memory queue.
  const elsewhere = dashboard.panels
    .slice(0, -1)
    .flatMap((p: any) => p.targets ?? [])
    .filter((t: any) => metricNames(t.expr).some((m) => BROKER_ONLY_METRICS.includes(m)));
  assert.deepEqual(elsewhere, []);
});
