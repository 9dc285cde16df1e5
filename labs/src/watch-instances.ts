// The "every instance" part of `npm run watch`, for `PRODUCERS=N CONSUMERS=M` or `AUTOSCALE=1 npm
// start` on the broker: the supervisor's list (GET SUPERVISOR_URL/status, 127.0.0.1:8090 by
// default), each instance's /status, a line each and the totals. Without a supervisor there (one
// producer and one consumer) the section is left out. Reads only; the rates come from the
// previous look.
import { type Color, num, paint } from './format';
import { type ConsumerStatus, type ProducerStatus, request } from './services';

/** What a row shows of one instance's /status: items done (published or processed), refused, held. */
interface Counts {
  done: number;
  rejected?: number;
  holding?: number;
}

async function countsOf(role: 'producer' | 'consumer', url: string): Promise<Counts | undefined> {
  if (role === 'producer') {
    const answer = await request<ProducerStatus>(`${url}/status`).catch(() => undefined);
    if (answer?.status !== 200) return undefined;
    // Several instances run only on the broker, where a producer's items are `published`.
    const books = answer.body.accounting;
    return { done: 'published' in books ? books.published : 0, rejected: books.rejected };
  }
  const answer = await request<ConsumerStatus>(`${url}/status`).catch(() => undefined);
  if (answer?.status !== 200) return undefined;
  const broker = answer.body.broker;
  return { done: answer.body.totals.processed, holding: broker && 'holding' in broker ? broker.holding : undefined };
}

interface SupervisorStatus {
  instances: {
    role: 'producer' | 'consumer' | 'ui';
    name: string;
    url: string;
    state: string;
    restarts: number;
    last_exit: { reason: string } | null;
  }[];
  autoscaler: {
    enabled: boolean;
    depth?: number | null;
    consumers?: number;
    desired?: number;
    target_items_per_consumer?: number;
    min_consumers?: number;
    max_consumers?: number;
  };
}

export interface InstanceRow {
  role: 'producer' | 'consumer';
  name: string;
  url: string;
  state: string;
  restarts: number;
  lastExit?: string;
  /** Published (producer) or processed (consumer) so far, and per second since the last look. */
  done?: number;
  perSecond?: number;
  rejected?: number;
  holding?: number;
}

export interface InstancesView {
  supervisorUrl: string;
  rows: InstanceRow[];
  autoscaler: SupervisorStatus['autoscaler'];
}

export const supervisorUrlFromEnv = (env: NodeJS.ProcessEnv = process.env) =>
  (env.SUPERVISOR_URL || 'http://127.0.0.1:8090').replace(/\/+$/, '');

export class InstancesWatch {
  private last = new Map<string, { at: number; done: number }>();

  constructor(private readonly supervisorUrl: string) {}

  /** One look at the supervisor and every instance it runs; undefined when no supervisor answers. */
  async look(): Promise<InstancesView | undefined> {
    const supervisor = await request<SupervisorStatus>(`${this.supervisorUrl}/status`).catch(() => undefined);
    if (supervisor?.status !== 200 || !Array.isArray(supervisor.body.instances)) return undefined;
    const at = performance.now();
    const rows = await Promise.all(
      // The producers and consumers; the browser view the supervisor also runs has no books.
      supervisor.body.instances
        .flatMap((i) => (i.role === 'ui' ? [] : [{ ...i, role: i.role }]))
        .map(async (i): Promise<InstanceRow> => {
          const row: InstanceRow = {
            role: i.role,
            name: i.name,
            url: i.url,
            state: i.state,
            restarts: i.restarts,
            lastExit: i.last_exit?.reason,
          };
          const counts = await countsOf(i.role, i.url);
          if (!counts) return row;
          const { done } = counts;
          row.done = done;
          row.rejected = counts.rejected;
          row.holding = counts.holding;
          const before = this.last.get(i.name);
          if (before && done >= before.done) row.perSecond = ((done - before.done) * 1000) / (at - before.at);
          this.last.set(i.name, { at, done });
          return row;
        }),
    );
    return { supervisorUrl: this.supervisorUrl, rows, autoscaler: supervisor.body.autoscaler };
  }
}

export function renderInstances(view: InstancesView, color: boolean): string[] {
  const c = (col: Color, text: string) => paint(color, col, text);
  const a = view.autoscaler;
  const scaler = a.enabled
    ? `   autoscaler: ${a.consumers} consumers (the rule asks for ${a.desired}: depth ${a.depth ?? '—'} ÷ ${a.target_items_per_consumer}, within ${a.min_consumers}…${a.max_consumers})`
    : '';
  const lines = [`${c('bold', 'INSTANCES')} ${c('dim', view.supervisorUrl)}${scaler}`];
  const byRole = [...view.rows.filter((r) => r.role === 'producer'), ...view.rows.filter((r) => r.role === 'consumer')];
  for (const row of byRole) {
    const state = row.state === 'up' ? c('green', '● up') : c(row.state === 'restarting' ? 'red' : 'yellow', `● ${row.state}`);
    const port = `:${new URL(row.url).port}`;
    const what =
      row.role === 'producer'
        ? `published ${num(row.done)}  rejected ${num(row.rejected)}`
        : `processed ${num(row.done)}  holding ${num(row.holding)}`;
    const rate = `${num(row.perSecond)}/s`;
    const restarts = row.restarts ? c('yellow', `  restarts ${row.restarts} (last: ${row.lastExit})`) : '';
    lines.push(
      `  ${row.name.padEnd(12)}${port.padEnd(7)}${state.padEnd(color ? 13 : 4)}  ${rate.padStart(8)}  ${row.done === undefined ? c('dim', 'no answer') : what}${restarts}`,
    );
  }
  const sum = (role: string, key: 'done' | 'perSecond' | 'rejected') =>
    view.rows.filter((r) => r.role === role).reduce((t, r) => t + (r[key] ?? 0), 0);
  lines.push(
    `  ${c('bold', 'total'.padEnd(12))}producers ${num(sum('producer', 'perSecond'))}/s, published ${num(sum('producer', 'done'))}, rejected ${num(sum('producer', 'rejected'))}` +
      `   consumers ${num(sum('consumer', 'perSecond'))}/s, processed ${num(sum('consumer', 'done'))}`,
  );
  return lines;
}
