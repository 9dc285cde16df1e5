// The fleet part of `npm run watch` (fleet.ts): under `npm start`, whose supervisor answers on
// SUPERVISOR_URL (127.0.0.1:8090 by default), a line per producer and consumer with its rate and
// state, the totals, the queue, the autoscaler's latest decisions and the full hop. Without a
// supervisor there the section is left out. Reads only.
import { type FleetView, queueFull } from './fleet';
import { type Color, duration, num, paint } from './format';

export const supervisorUrlFromEnv = (env: NodeJS.ProcessEnv = process.env) =>
  (env.SUPERVISOR_URL || 'http://127.0.0.1:8090').replace(/\/+$/, '');

const STATE_WORDS: Record<string, string> = {
  up: 'up',
  down: 'down',
  starting: 'starting',
  restarting: 'restarting',
  stopping: 'removed by the autoscaler',
};

export function renderInstances(view: FleetView, color: boolean): string[] {
  const c = (col: Color, text: string) => paint(color, col, text);
  const a = view.autoscaler;
  const scaler = a.enabled
    ? `   autoscaler: ${a.consumers} consumers (the rule asks for ${a.desired}: depth ${a.depth ?? '—'} ÷ ${a.target_items_per_consumer}, within ${a.min_consumers}…${a.max_consumers})`
    : '';
  const lines = [`${c('bold', 'FLEET')} ${c('dim', view.supervisorUrl ?? '')}${scaler}`];
  const byRole = [...view.instances.filter((r) => r.role === 'producer'), ...view.instances.filter((r) => r.role === 'consumer')];
  for (const row of byRole) {
    const words = `● ${STATE_WORDS[row.state] ?? row.state}${row.added ? ' (added by the autoscaler)' : ''}`;
    const state = row.state === 'up' ? c('green', words) : c(row.state === 'down' || row.state === 'restarting' ? 'red' : 'yellow', words);
    const port = `:${new URL(row.url).port}`;
    const what =
      row.role === 'producer'
        ? `sent ${num(row.done)}  rejected ${num(row.rejected)}`
        : `processed ${num(row.done)}  busy ${num(row.inFlight)}/${num(row.maxConcurrency)}  capacity ${num(row.capacity)}/s  ${num(row.processingMs)} ms/item  p95 wait ${duration(row.p95WaitSeconds ?? undefined)}`;
    const rate = `${num(row.perSecond)}/s`;
    const restarts = row.restarts ? c('yellow', `  restarts ${row.restarts} (last: ${row.lastExit})`) : '';
    const differs = row.differs
      ? c(
          'yellow',
          `  differs from its role: ${Object.entries(row.differs)
            .map(([k, d]) => `${k} ${d.instance} (role ${d.role})`)
            .join(', ')}`,
        )
      : '';
    lines.push(
      `  ${row.name.padEnd(12)}${port.padEnd(7)}${rate.padStart(9)}  ${row.done === undefined ? c('dim', 'no answer') : what}  ${state}${restarts}${differs}`,
    );
  }
  const t = view.totals;
  const used = t.capacity > 0 ? t.processedPerSecond / t.capacity : 0;
  lines.push(
    `  ${c('bold', 'total'.padEnd(12))}producers made ${num(t.producedPerSecond)}/s, sent ${num(t.sentPerSecond)}/s` +
      `   consumers ${num(t.processedPerSecond)}/s of ${num(t.capacity)}/s capacity (${Math.round(used * 100)}%), busy ${num(t.inFlight)}/${num(t.maxConcurrency)}`,
  );
  const q = view.queue;
  if (q) {
    const held =
      q.backend === 'rabbitmq' ? `${num(q.waiting)} ready + ${num(q.unacked)} unacked in RabbitMQ` : `${num(q.waiting)} in memory`;
    const full = queueFull(q);
    lines.push(`  ${'queue'.padEnd(12)}${held}, limit ${q.limit === null ? 'none' : num(q.limit)}${full ? c('red', ' (full)') : ''}`);
  }
  const d = view.downstream;
  if (d) {
    const used = d.utilization === null ? '' : ` (${Math.round(d.utilization * 100)}%)`;
    const unready = d.ready < d.writers ? c('red', `  not ready on ${d.writers - d.ready} of ${d.writers}`) : '';
    lines.push(
      `  ${'database'.padEnd(12)}${d.kind}: ${num(d.busy)}/${num(d.size)} connections busy${used}, ${num(d.waiting)} waiting, ` +
        `acquire ${num(d.acquire_ms ?? undefined)} ms, query ${num(d.query_ms ?? undefined)} ms, errors ${num(d.errors)}${unready}`,
    );
  }
  if (view.bottleneck) lines.push(`  ${'bottleneck'.padEnd(12)}${c('red', view.bottleneck.why)}`);
  for (const d of (a.decisions ?? []).slice(-3)) {
    lines.push(`  ${'scaled'.padEnd(12)}${new Date(d.at).toLocaleTimeString()}  ${d.from} → ${d.to}  (${d.why})`);
  }
  return lines;
}
