// The charts: uPlot (served from the installed package), one per figure, each a few columns of
// the points the server sends. Only configuration here; uPlot draws.
/* global uPlot */

const BLUE = '#0047ab';
const ORANGE = '#d35400';
const GREEN = '#0a6b2a';
const RED = '#b00020';
const PURPLE = '#6a1b9a';
const BROWN = '#7a4a00';
const BLACK = '#111';

const line = (column, label, stroke, extra = {}) => ({ column, label, stroke, width: 3, ...extra });
const limit = (column, label, stroke = RED) => line(column, label, stroke, { dash: [10, 6], width: 2.5 });

/** Chart id → its series (by the server's column names). */
const CHARTS = {
  'chart-queue': [line('queue', 'queue', BLUE, { fill: 'rgba(0,71,171,0.12)' }), limit('limit', 'limit')],
  'chart-rates': [
    line('produced', 'produced', ORANGE),
    line('sent', 'sent', BLUE),
    line('processed', 'processed', GREEN),
    limit('capacity', 'consumer capacity', BLACK),
  ],
  'chart-losses': [
    line('queue_full', 'rejected: queue full', RED),
    line('timeout', 'rejected: timeout', ORANGE),
    line('adaptive_limit', 'rejected: adaptive limit', PURPLE),
    line('memory', 'rejected: memory', BLACK),
    line('dropped', 'dropped (oldest)', BROWN),
    line('sampled_out', 'sampled out', BLUE, { dash: [4, 4] }),
  ],
  'chart-memory': [
    line('queue_mb', 'queue (estimate)', BLUE),
    line('heap_mb', 'heap used', GREEN),
    line('rss_mb', 'RSS', ORANGE),
    limit('limit_mb', 'limit'),
  ],
  'chart-wait': [line('p50_s', 'p50', GREEN), line('p95_s', 'p95', RED)],
  'chart-broker': [line('broker_ready', 'ready', BLUE), line('broker_unacked', 'unacked', ORANGE)],
};

const HEIGHT = 200;

/** At most this many points per series: five minutes at two a second. */
const MAX_POINTS = 600;

export class Charts {
  constructor() {
    this.columns = [];
    this.data = [];
    this.plots = new Map();
  }

  /** The server's column names and the points it kept (sent once per connection). */
  reset(columns, points) {
    this.columns = columns;
    this.data = columns.map((_, i) => points.map((p) => p[i]));
    for (const [id, plot] of this.plots) plot.setData(this.seriesOf(id));
    if (this.plots.size === 0) this.create();
  }

  add(point) {
    for (const [i, v] of point.entries()) this.data[i].push(v);
    if (this.data[0].length > MAX_POINTS) for (const column of this.data) column.splice(0, column.length - MAX_POINTS);
    for (const [id, plot] of this.plots) {
      if (plot.root.closest('[hidden]')) continue;
      plot.setData(this.seriesOf(id));
      // Without a pointer over the chart, its legend shows the latest values.
      if (!(plot.cursor.left >= 0)) plot.setLegend({ idx: this.length - 1 });
    }
  }

  seriesOf(id) {
    const x = this.data[this.columns.indexOf('t')];
    return [x, ...CHARTS[id].map((s) => this.data[this.columns.indexOf(s.column)])];
  }

  create() {
    for (const [id, series] of Object.entries(CHARTS)) {
      const figure = document.getElementById(id);
      const options = {
        width: chartWidth(figure),
        height: HEIGHT,
        series: [
          { label: 'time', value: (_u, t) => (t == null ? '—' : new Date(t * 1000).toLocaleTimeString()) },
          ...series.map(({ column, ...s }) => ({ ...s, spanGaps: false, points: { show: false } })),
        ],
        axes: [axis({ values: timeTicks, incrs: TIME_STEPS }), axis({ values: compactTicks, size: labelWidth })],
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      };
      const plot = new uPlot(options, this.seriesOf(id), figure);
      plot.root.dataset.chart = id;
      this.plots.set(id, plot);
      new ResizeObserver(() => plot.setSize({ width: chartWidth(figure), height: HEIGHT })).observe(figure);
    }
  }

  /** How many points the charts hold (the browser test reads it). */
  get length() {
    return this.data[0]?.length ?? 0;
  }
}

const axis = (extra = {}) => ({
  stroke: BLACK,
  font: '15px system-ui, sans-serif',
  grid: { stroke: '#ddd' },
  ticks: { stroke: '#999' },
  ...extra,
});
/** Seconds between time ticks: whole seconds at least, so that no two ticks read the same. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300];
const two = (n) => String(n).padStart(2, '0');
/** Time ticks as "14:05" on the minute and ":20" between: no date line under the axis. */
const timeTicks = (_u, splits) =>
  splits.map((t) => {
    const d = new Date(t * 1000);
    return d.getSeconds() === 0 ? `${two(d.getHours())}:${two(d.getMinutes())}` : `:${two(d.getSeconds())}`;
  });
/** Value ticks as 950, 1.5k, 12k, 2.5M: every value up to 10^7 fits its axis, none cut to ",000". */
const COMPACT = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });
const compactTicks = (_u, splits) => splits.map((v) => (v == null ? '' : COMPACT.format(v)));
/** The axis as wide as its longest label (uPlot's default 50 px cut "10,000" to ",000"). */
const labelWidth = (u, values, axisIdx) => {
  if (!values) return 50;
  u.ctx.font = u.axes[axisIdx].font[0];
  const widest = Math.max(...values.map((v) => u.ctx.measureText(v ?? '').width));
  return Math.ceil(widest / devicePixelRatio) + 24;
};
const chartWidth = (figure) => Math.max(300, figure.clientWidth - 4);
