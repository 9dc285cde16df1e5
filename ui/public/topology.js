// The picture at the top of the page: producers → queue → consumers (→ downstream), each
// instance with its rate, how busy it is and its state; totals over the instances in each hop's
// title, one instance's details on hover or click; the full hop marked as the bottleneck; the
// autoscaler's decisions on a timeline beside the consumer count. Drawn from the `fleet` event
// (ui/src/fleet-frame.ts), once a second.
import { el } from './dom.js';
import { num, duration as seconds } from './format.js';

const STATE_WORDS = {
  up: 'up',
  down: 'down',
  starting: 'starting',
  restarting: 'restarting',
  stopping: 'being removed by the autoscaler',
};
/** The consumer-count timeline covers this long. */
const TIMELINE_SECONDS = 300;

export class Topology {
  constructor() {
    this.root = document.getElementById('topology');
    this.open = new Set(); // instances whose details were clicked open
    this.counts = []; // [epoch ms, consumers] for the timeline
    this.root.addEventListener('click', (e) => {
      const box = e.target.closest('[data-instance]');
      if (!box) return;
      const name = box.dataset.instance;
      if (this.open.has(name)) this.open.delete(name);
      else this.open.add(name);
      box.classList.toggle('open');
    });
  }

  show(fleet) {
    const producers = fleet.instances.filter((i) => i.role === 'producer');
    const consumers = fleet.instances.filter((i) => i.role === 'consumer');
    const t = fleet.totals;
    const hop = fleet.bottleneck?.hop;
    this.hop(
      'producers',
      [`${plural(producers.length, 'producer')} · made `, total('produced_rate', t.produced_rate), '/s'],
      producers,
      false,
    );
    this.queue(fleet.queue, Boolean(fleet.queue?.full));
    const used = t.capacity > 0 ? t.processed_rate / t.capacity : 0;
    this.hop(
      'consumers',
      [
        `${plural(consumers.length, 'consumer')} · `,
        total('processed_rate', t.processed_rate),
        '/s of ',
        total('capacity', t.capacity),
        `/s (${Math.round(used * 100)}%) · busy ${num(t.in_flight)}/${num(t.max_concurrency)}`,
      ],
      consumers,
      hop === 'consumers',
    );
    this.downstream(fleet.downstream, hop === 'downstream');
    document.getElementById('arrow-sent').textContent = `${num(t.sent_rate)}/s →`;
    document.getElementById('arrow-processed').textContent = `→ ${num(t.processed_rate)}/s`;
    const bottleneck = document.getElementById('bottleneck');
    bottleneck.textContent = fleet.bottleneck ? `Bottleneck: ${fleet.bottleneck.why}` : 'No hop is full';
    bottleneck.classList.toggle('alert', Boolean(fleet.bottleneck));
    this.autoscaler(fleet.autoscaler, fleet.time, consumers.length);
  }

  hop(id, title, instances, full) {
    const section = document.getElementById(`hop-${id}`);
    section.classList.toggle('full', full);
    section.querySelector('h3 small').replaceChildren(...title);
    section.querySelector('.instances').replaceChildren(...instances.map((i) => this.instance(i)));
  }

  instance(i) {
    const box = el('div');
    box.className = `instance ${i.state}${i.added ? ' added' : ''}${this.open.has(i.name) ? ' open' : ''}`;
    Object.assign(box.dataset, { instance: i.name, state: i.state, rate: i.rate ?? '' });
    const state = `${STATE_WORDS[i.state] ?? i.state}${i.added ? ', added by the autoscaler' : ''}`;
    const busy = i.role === 'consumer' && i.max_concurrency ? i.in_flight / i.max_concurrency : undefined;
    const bar = el('span');
    bar.className = 'busy';
    const fill = el('i');
    fill.style.width = `${Math.round(100 * Math.min(1, busy ?? 0))}%`;
    bar.append(fill);
    box.append(
      el('b', i.name),
      el('span', i.rate == null ? '—' : `${num(i.rate)}/s`),
      busy === undefined ? el('span') : bar,
      el('small', state),
    );
    const details = detailsOf(i);
    box.title = details.join('\n');
    const list = el('ul');
    list.className = 'details';
    list.append(...details.map((line) => el('li', line)));
    box.append(list);
    return box;
  }

  queue(q, full) {
    const section = document.getElementById('hop-queue');
    section.classList.toggle('full', full);
    if (!q) {
      section.querySelector('h3 small').textContent = 'no producer answers';
      return;
    }
    const held = q.waiting + (q.unacked ?? 0);
    const where = q.backend === 'rabbitmq' ? 'in RabbitMQ' : "in the producer's memory";
    section.querySelector('h3 small').textContent = `${where} · limit ${q.limit === null ? 'none' : num(q.limit)}`;
    const fill = section.querySelector('.level i');
    fill.style.width = `${q.limit ? Math.min(100, (100 * held) / q.limit) : 0}%`;
    const text =
      q.backend === 'rabbitmq'
        ? `${num(q.waiting)} waiting + ${num(q.unacked)} delivered, not yet acknowledged`
        : `${num(q.waiting)} waiting`;
    const line = section.querySelector('.what');
    line.textContent = text;
    line.dataset.value = String(held);
  }

  /** The database behind the consumers (labs/src/fleet-downstream.ts): every consumer's pool summed. */
  downstream(d, full) {
    const section = document.getElementById('hop-downstream');
    section.hidden = !d;
    document.getElementById('arrow-downstream').hidden = !d;
    if (!d) return;
    section.classList.toggle('full', full);
    const used = d.utilization === null ? '' : ` (${Math.round(d.utilization * 100)}% over 2 s)`;
    const readiness = d.ready < d.writers ? ` · ${d.writers - d.ready} of ${d.writers} consumers find it NOT ready` : '';
    section.querySelector('h3 small').textContent = `${d.kind} · ${plural(d.writers, 'consumer')} writing`;
    const line = section.querySelector('.what');
    line.textContent =
      `${num(d.busy)} of ${num(d.size)} connections busy${used} · ${num(d.waiting)} waiting for one · ` +
      `acquire ${ms(d.acquire_ms)} · query ${ms(d.query_ms)} · ${num(d.errors)} errors` +
      (d.full_hop ? ` · full: ${d.full_hop.replaceAll('_', ' ')}` : '') +
      readiness;
    line.dataset.utilization = d.utilization === null ? '' : String(d.utilization);
  }

  autoscaler(a, time, consumers) {
    const section = document.getElementById('autoscaler');
    section.hidden = !a;
    if (!a) return;
    this.counts.push([time, consumers]);
    while (this.counts.length && this.counts[0][0] < time - TIMELINE_SECONDS * 1000) this.counts.shift();
    section.querySelector('h3 small').textContent =
      `${plural(a.consumers, 'consumer')}; the rule asks for ${a.desired}: ${num(a.depth)} waiting ÷ ${num(a.target)} per consumer, within ${a.min}…${a.max}`;
    drawTimeline(document.getElementById('scaler-timeline'), this.counts, a, time);
    document.getElementById('decisions').replaceChildren(
      ...a.decisions
        .slice(-5)
        .reverse()
        .map((d) => el('li', `${new Date(d.at).toLocaleTimeString()}  ${d.from} → ${d.to} consumers  (${d.why})`)),
    );
  }
}

const ms = (v) => (v === null || v === undefined ? '—' : `${num(v)} ms`);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A total over the instances, its value in data-value for the browser test. */
function total(name, value) {
  const node = el('b', num(value));
  node.dataset.total = name;
  node.dataset.value = value ?? '';
  return node;
}

function detailsOf(i) {
  const lines = [`${i.name}: ${STATE_WORDS[i.state] ?? i.state}`];
  if (i.restarts) lines.push(`restarted ${i.restarts} × (last exit: ${i.last_exit})`);
  if (i.role === 'producer') {
    lines.push(`makes ${num(i.produced_rate)}/s, sends ${num(i.rate)}/s`, `sent ${num(i.done)}, refused ${num(i.rejected)}`);
  } else {
    lines.push(
      `processes ${num(i.rate)}/s of ${num(i.capacity)}/s it can`,
      `busy ${num(i.in_flight)} of ${num(i.max_concurrency)} at a time, ${num(i.processing_ms)} ms per item`,
      `p95 queue wait ${seconds(i.p95_wait_s ?? undefined)}`,
      `processed ${num(i.done)}`,
    );
  }
  for (const d of i.differs ?? []) lines.push(`differs from its role: ${d}`);
  return lines;
}

/** The consumer count as a step line over the last minutes, each decision a marked point. */
function drawTimeline(svg, counts, a, now) {
  const W = 600;
  const H = 90;
  const top = Math.max(a.max, ...counts.map(([, c]) => c), 1);
  const x = (ms) => W - ((now - ms) / (TIMELINE_SECONDS * 1000)) * W;
  const y = (c) => H - 14 - (c / top) * (H - 24);
  let path = '';
  counts.forEach(([t, c], n) => {
    path += n === 0 ? `M${x(t)},${y(c)}` : `H${x(t)}V${y(c)}`;
  });
  const marks = a.decisions
    .filter((d) => Date.parse(d.at) >= now - TIMELINE_SECONDS * 1000)
    .map((d) => `<circle cx="${x(Date.parse(d.at))}" cy="${y(d.to)}" r="4"><title>${d.from} → ${d.to}: ${d.why}</title></circle>`)
    .join('');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.innerHTML =
    `<text x="2" y="12">${top}</text><text x="2" y="${H - 2}">consumers over the last 5 min</text>` +
    `<line x1="0" x2="${W}" y1="${y(a.max)}" y2="${y(a.max)}" class="limit"/>` +
    `<path d="${path}"/>${marks}`;
}
