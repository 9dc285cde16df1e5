// The page: follows the server's event stream (/events) and writes what it says into the charts,
// the numbers, the slowest items and the exercise panel; the buttons go through controls.js.
import { Charts } from './charts.js';
import { Controls } from './controls.js';
import { el } from './dom.js';
import { ExercisePanel } from './exercise.js';
import { num, duration as seconds } from './format.js';
import { showGoodput } from './goodput.js';
import { Topology } from './topology.js';

const charts = new Charts();
const config = await (await fetch('/api/config')).json();
const controls = new Controls(config);
const exercise = new ExercisePanel(config.scale, controls);
const topology = new Topology();
window.lab = { charts, controls }; // for the browser test, and for the curious

const events = new EventSource('/events');
const feedHealth = document.getElementById('feed-health');
events.onopen = () => (feedHealth.hidden = true);
events.onerror = () => {
  feedHealth.hidden = false;
  feedHealth.className = 'pill down';
};
events.addEventListener('history', (e) => {
  const { columns, points } = JSON.parse(e.data);
  charts.reset(columns, points);
});
events.addEventListener('frame', (e) => {
  const { point, panel } = JSON.parse(e.data);
  charts.add(point);
  showPanel(panel);
  showGoodput(panel.goodput);
});
events.addEventListener('settings', (e) => controls.update(JSON.parse(e.data)));
events.addEventListener('command', (e) => controls.showResult(JSON.parse(e.data)));
events.addEventListener('exercise', (e) => exercise.showRun(JSON.parse(e.data)));
events.addEventListener('slowest', (e) => showSlowest(JSON.parse(e.data)));
events.addEventListener('fleet', (e) => topology.show(JSON.parse(e.data)));

/** Epoch ms as the local time of day. */
const clock = (ms) => (ms == null ? '—' : new Date(ms).toLocaleTimeString());

function showPanel(panel) {
  for (const service of ['producer', 'consumer']) showHealth(service, panel[service]);
  for (const el of document.querySelectorAll('[data-stat]')) {
    const value = el.dataset.stat.split('.').reduce((o, key) => (o == null ? undefined : o[key]), panel);
    el.dataset.value = value ?? '';
    if (value === undefined) el.textContent = '—';
    else if (value === null) el.textContent = el.dataset.stat === 'queue.limit' ? 'no limit' : '—';
    else if (el.dataset.unit === 's') el.textContent = seconds(value);
    else el.textContent = typeof value === 'number' ? num(value) : String(value);
  }
  const breaker = document.querySelector('[data-stat="dispatcher.breaker"]');
  breaker.classList.toggle('alert', panel.dispatcher?.breaker !== undefined && panel.dispatcher.breaker !== 'closed');
  // In adaptive mode the limit is the one the producer works out (Little's law), not a setting.
  document.getElementById('queue-label').textContent = panel.queue?.mode === 'adaptive' ? 'queue / adaptive limit' : 'queue / limit';
  // The dispatcher's figures exist only where it runs (the in-memory queue): none on the broker.
  for (const stat of document.querySelectorAll('[data-only="dispatcher"]')) stat.hidden = !panel.dispatcher;
  // With several instances these would be the first one's: the picture above has every instance.
  for (const stat of document.querySelectorAll('[data-only="single"]')) stat.hidden = panel.several;
  const brokerChart = document.getElementById('chart-broker');
  brokerChart.hidden = !panel.broker;
  if (panel.broker) {
    document
      .getElementById('broker-fields')
      .replaceChildren(...Object.entries(panel.broker).flatMap(([k, v]) => [el('dt', k), el('dd', String(v))]));
  }
}

function showHealth(service, health) {
  const pill = document.getElementById(`${service}-health`);
  pill.className = `pill ${health.up ? 'up' : 'down'}`;
  pill.dataset.up = String(health.up);
  if (!health.up) {
    pill.textContent = `${service} DOWN since ${clock(health.down_since)} (${health.error ?? 'no answer'})`;
  } else if (health.came_back) {
    const how = health.came_back.restarted ? 'restarted' : 'back';
    pill.textContent = `${service} UP — ${how}${health.came_back.afterSeconds ? ` after ${num(health.came_back.afterSeconds)} s` : ''}`;
  } else {
    pill.textContent = `${service} UP`;
  }
}

function showSlowest({ items }) {
  const rows = document.getElementById('slowest-items');
  if (items.length === 0) {
    rows.replaceChildren(el('tr', '', el('td', 'none delivered in the last minute')));
    return;
  }
  const longest = Math.max(...items.map((i) => i.total_ms), 1);
  rows.replaceChildren(
    ...items.map((item) => {
      const id = item.trace_id
        ? Object.assign(el('a', item.id.slice(0, 8)), {
            href: `${config.jaeger_url}/trace/${item.trace_id}`,
            target: '_blank',
            title: item.id,
          })
        : Object.assign(el('code', item.id.slice(0, 8)), { title: item.id });
      const process = item.process_ms ?? 0;
      const parts = [
        ['admission', item.admission_ms],
        ['queue', item.queue_ms],
        ['send', item.send_ms - process],
        ['process', process],
      ];
      const bar = el(
        'div',
        '',
        ...parts.map(([kind, ms]) => {
          const span = el('span');
          span.className = kind;
          span.style.width = `${(100 * Math.max(0, ms)) / longest}%`;
          span.title = `${kind}: ${ms} ms`;
          return span;
        }),
      );
      // On the broker a consumer recorded it: the wait is the time in RabbitMQ (and before it).
      const detail =
        (item.consumer
          ? `waited ${seconds(item.queue_ms / 1000)} · processing ${seconds(item.process_ms / 1000)} on ${item.consumer}`
          : `queue ${seconds(item.queue_ms / 1000)} · send ${seconds(item.send_ms / 1000)}` +
            (item.process_ms == null ? '' : ` (processing ${seconds(item.process_ms / 1000)})`)) +
        (item.admission_ms >= 10 ? ` · admission ${seconds(item.admission_ms / 1000)}` : '') +
        (item.attempts > 1 ? ` · attempt ${item.attempts}` : '');
      const row = el('tr', '', el('td', '', id), el('td', seconds(item.total_ms / 1000)), el('td', '', bar), el('td', detail));
      row.cells[2].className = 'bar';
      return row;
    }),
  );
}
