// Draws one frame of the terminal view: a pure function of the state, so a test can check what
// a learner would read. ANSI colours only, no cursor tricks (the caller places the frame).
import { type Color, duration, num, paint, visibleLength } from './format';
import type { ProducerStatus } from './services';
import type { Health, WatchState } from './watch-model';

export interface RenderOptions {
  /** Terminal width in columns. */
  width: number;
  color: boolean;
}

const LABEL = 10;

export function renderFrame(state: WatchState, { width, color }: RenderOptions): string {
  const c = (col: Color, text: string) => paint(color, col, text);
  const barWidth = Math.max(10, Math.min(40, width - 75)); // room for the numbers after the bar
  const lines: string[] = [
    `${c('bold', 'Backpressure Lab — live view')}   ${state.time.toLocaleTimeString('en-GB')}   ${c('dim', 'Ctrl-C to quit')}`,
    '',
    ...producerLines(state, c, barWidth),
    '',
    ...consumerLines(state, c),
  ];
  return lines.map((line) => fit(line, width)).join('\n');
}

type Paint = (col: Color, text: string) => string;

function header(name: string, url: string, health: Health, uptime: number | undefined, c: Paint): string {
  const title = `${c('bold', name.toUpperCase().padEnd(LABEL))}${url}`;
  if (!health.up) {
    return `${title}  ${c('red', `✖ DOWN for ${duration(health.downForSeconds)} (${health.error ?? 'no answer'}) — waiting for it to come back`)}`;
  }
  let text = `${title}  ${c('green', '● up')} ${c('dim', duration(uptime))}`;
  if (health.cameBack) {
    const how = health.cameBack.restarted ? 'restarted: a new process, its queue and totals start from zero' : 'same process';
    text += `  ${c('yellow', `back after ${duration(health.cameBack.afterSeconds)} (${how})`)}`;
  }
  return text;
}

/** How long the oldest item has waited, where the backend can tell. */
const oldestText = (p: ProducerStatus) => {
  const age = p.backend.oldest_item_age_seconds;
  return age === undefined ? '' : `   oldest waiting ${duration(age)}`;
};

function producerLines(state: WatchState, c: Paint, barWidth: number): string[] {
  const { producer: health, rates } = state;
  const p = health.status;
  const lines = [header('producer', state.urls.producer, health, p?.uptime_seconds, c)];
  if (!p) return lines;
  const q = p.queue;
  const breaker = p.backend.breaker?.state; // only the dispatcher has one
  const breakerColor: Color = breaker === 'closed' ? 'green' : breaker === 'open' ? 'red' : 'yellow';
  const breakerText = breaker ? `   breaker ${c(breakerColor, breaker)}` : '';
  lines.push(row('mode', `${c('bold', q.mode)} ${c('dim', modeDetails(p))}${breakerText}`));
  const scale = q.limit ?? niceCeiling(Math.max(state.recentMaxQueue, q.size, 10));
  const fill = q.size / scale;
  const queueColor: Color = fill >= 0.9 ? 'red' : fill >= 0.5 ? 'yellow' : 'green';
  const of = q.limit === null ? `${c('dim', `(no limit; bar to ${scale})`)}` : `/ ${q.limit}`;
  lines.push(row('queue', `${c(queueColor, bar(fill, barWidth))} ${q.size} ${of}   ${oldestText(p)}`));
  const mem = p.process;
  const memFill = mem.memory_mb / mem.memory_limit_mb;
  lines.push(
    row(
      'memory',
      `${c(memFill >= 0.8 ? 'red' : memFill >= 0.5 ? 'yellow' : 'green', bar(memFill, barWidth))} ` +
        `${num(mem.memory_mb)} / ${mem.memory_limit_mb} MB RSS   heap ${num(mem.heap_used_mb)} MB, queue ${num(q.memory_mb)} MB`,
    ),
  );
  const r = (v: number | undefined, col?: Color) => {
    const text = `${num(v)}/s`;
    return col && (v ?? 0) > 0 ? c(col, text) : text;
  };
  lines.push(
    row(
      'rates',
      `produced ${r(rates.produced)}  sent ${r(rates.sent)}  rejected ${r(rates.rejected, 'red')}  ` +
        `dropped ${r(rates.dropped, 'red')}  sampled out ${r(rates.sampled_out, 'yellow')}`,
    ),
  );
  const a = p.accounting;
  const sent = 'sent' in a ? `sent ${a.sent}` : `published ${a.published}  expired ${a.expired}`;
  lines.push(
    row(
      'totals',
      `produced ${a.produced}  ${sent}  rejected ${a.rejected}  dropped ${a.dropped}  ` +
        `sampled out ${a.sampled_out}  cleared ${a.cleared}  dead-lettered ${a.dead_lettered}  ` +
        (a.balanced ? c('green', '✔ balanced') : c('red', '✖ not balanced')),
    ),
  );
  return lines;
}

function consumerLines(state: WatchState, c: Paint): string[] {
  const { consumer: health, rates } = state;
  const s = health.status;
  const lines = [header('consumer', state.urls.consumer, health, s?.uptime_seconds, c)];
  if (!s) return lines;
  const paused = s.paused ? `  ${c('red', 'PAUSED')}` : '';
  const each = s.processing.variable ? `${s.processing.min_ms}–${s.processing.max_ms} ms` : `${s.processing.time_ms} ms`;
  lines.push(
    row(
      'work',
      `${each} × ${s.max_concurrency} at a time = ${num(s.effective_max_throughput_per_s)}/s capacity   ` +
        `in flight ${s.in_flight} / ${s.max_concurrency}${paused}`,
    ),
  );
  lines.push(row('rates', `processed ${num(rates.processed)}/s  failed ${num(rates.failed)}/s  busy (429) ${num(rates.busy)}/s`));
  const { seconds } = state.p95QueueWait;
  const precision = Number.isNaN(seconds) ? ' (nothing processed)' : ' (of the actual waits, ±1%)';
  lines.push(row('wait', `p95 queue wait (last 10 s) ${c('bold', duration(seconds))}${c('dim', precision)}`));
  return lines;
}

/** The mode's own numbers: its limit and knobs, briefly; with open arrivals, the callers waiting. */
function modeDetails(p: NonNullable<WatchState['producer']['status']>): string {
  const details = strategyDetails(p);
  if (p.config.arrivals !== 'open') return details;
  return `${details} open arrivals: ${p.queue.admission_waiting} callers waiting, ${num(p.queue.admission_waiting_memory_mb)} MB`;
}

function strategyDetails(p: NonNullable<WatchState['producer']['status']>): string {
  const s = p.config;
  switch (s.queue_mode) {
    case 'bounded':
      return `(max ${s.max_queue_size}, ${s.overflow})`;
    case 'rate_limited':
      return `(${s.rate_limit}/s, burst ${s.burst}, tokens ${(p.admission as Record<string, unknown>).tokens ?? '—'})`;
    case 'block':
      return `(max ${s.max_queue_size}, blocked ${num(p.admission.blocked_seconds ?? 0)} s in all)`;
    case 'timeout':
      return `(max ${s.max_queue_size}, wait ≤ ${s.enqueue_timeout_ms} ms)`;
    case 'sample':
      return `(above ${s.sample_high_water} keep 1 in ${s.sample_rate})`;
    case 'adaptive':
      return `(limit ${p.queue.limit} = ${num(Number(p.admission.drain_rate_per_s))}/s × ${s.target_latency_ms} ms)`;
    default:
      return '(no limit)';
  }
}

const row = (label: string, text: string) => `  ${label.padEnd(LABEL - 2)}${text}`;

function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`;
}

/** 1, 2, 5 × 10ⁿ at or above n: a bar scale that does not jump at every new item. */
function niceCeiling(n: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5].map((m) => m * magnitude).find((v) => v >= n) ?? 10 * magnitude;
}

/** Cuts a line to the terminal width (colour codes do not count). */
function fit(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  let out = '';
  let visible = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the terminal's colour codes
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const room = width - 1 - visible;
    if (room <= 0) continue;
    out += part.slice(0, room);
    visible += Math.min(part.length, room);
  }
  return `${out}…${out.includes('\x1b[') ? '\x1b[0m' : ''}`;
}
