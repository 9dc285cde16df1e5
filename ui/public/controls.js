// The buttons. Each asks the UI server to send one request to a service (POST /api/command) and
// shows the curl command that does the same. The token, when the services need one, is asked for
// on the first 401 and kept only in this page's memory.
import { el } from './dom.js';

const MODES = ['unbounded', 'bounded', 'rate_limited', 'block', 'timeout', 'sample', 'adaptive'];
/** The knobs each mode reads (the producer's settings of the same names). */
const KNOBS = {
  unbounded: [],
  bounded: ['max_queue_size', 'overflow'],
  rate_limited: ['rate_limit', 'burst'],
  block: ['max_queue_size'],
  timeout: ['max_queue_size', 'enqueue_timeout_ms'],
  sample: ['sample_rate', 'sample_high_water'],
  adaptive: ['target_latency_ms'],
};
const ALL_KNOBS = [...new Set(Object.values(KNOBS).flat())];
const MAX_COMMANDS_SHOWN = 30;

export class Controls {
  constructor(config) {
    this.config = config;
    this.filled = false;
    this.modeButtons = new Map();
    const modes = document.getElementById('modes');
    for (const mode of MODES) {
      const button = el('button', mode);
      button.dataset.mode = mode;
      button.addEventListener('click', () => this.setMode(mode));
      this.modeButtons.set(mode, button);
      modes.append(button);
    }
    const knobs = document.getElementById('knobs');
    for (const knob of ALL_KNOBS) {
      const input = knob === 'overflow' ? el('select', '', el('option', 'reject'), el('option', 'drop_oldest')) : el('input');
      if (input.tagName === 'INPUT') Object.assign(input, { type: 'number', min: '0', step: 'any' });
      input.id = `knob-${knob}`;
      knobs.append(el('label', `${knob} `, input));
    }
    const actions = {
      rate: () => this.send('producer', '/admin/config', { production_rate: numberOf('production_rate') }),
      'slow-down': () => this.send('consumer', '/admin/slow-down', { factor: numberOf('factor') }),
      'speed-up': () => this.send('consumer', '/admin/speed-up', { factor: numberOf('factor') }),
      burst: () => this.send('producer', '/produce', { count: numberOf('burst') }),
      clear: () => this.send('producer', '/admin/clear-queue'),
      reset: () => this.post('/api/reset', {}),
    };
    for (const button of document.querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => actions[button.dataset.action]());
    }
  }

  /** The producer's settings (sent when they change): the mode button lit, the fields filled the first time. */
  update(settings) {
    for (const [mode, button] of this.modeButtons) button.classList.toggle('current', mode === settings.queue_mode);
    for (const label of document.querySelectorAll('#knobs label')) {
      label.classList.toggle('relevant', KNOBS[settings.queue_mode].includes(label.firstChild.textContent.trim()));
    }
    if (this.filled) return;
    this.filled = true;
    for (const knob of ALL_KNOBS) document.getElementById(`knob-${knob}`).value = settings[knob];
    document.getElementById('production_rate').value = settings.production_rate;
  }

  setMode(mode) {
    const body = { queue_mode: mode };
    for (const knob of KNOBS[mode]) {
      const input = document.getElementById(`knob-${knob}`);
      if (input.value !== '') body[knob] = input.tagName === 'SELECT' ? input.value : Number(input.value);
    }
    return this.send('producer', '/admin/config', body);
  }

  send(service, path, body) {
    return this.post('/api/command', body === undefined ? { service, path } : { service, path, body });
  }

  async post(route, payload) {
    const token = document.getElementById('token').value;
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(route, { method: 'POST', headers, body: JSON.stringify(payload) });
    const answer = await res.json();
    if (!res.ok) return this.showResult({ curl: `(not sent) ${route}`, status: res.status, body: answer });
    // The server also sends each result on the event stream, so every open page lists it; a 401
    // is what this page alone must act on.
    const results = Array.isArray(answer) ? answer : [answer];
    if (results.some((r) => r.status === 401)) {
      document.getElementById('token-row').hidden = false;
      document.getElementById('token').focus();
    }
    return results;
  }

  showResult(result) {
    const list = document.getElementById('commands');
    const text = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    const item = el(
      'li',
      '',
      el('code', `$ ${result.curl}`),
      el('span', `→ ${result.status || 'no answer'} ${text.length > 200 ? `${text.slice(0, 197)}...` : text}`),
    );
    item.lastChild.className = 'answer';
    if (!(result.status >= 200 && result.status < 300)) item.className = 'failed';
    list.prepend(item);
    while (list.children.length > MAX_COMMANDS_SHOWN) list.lastChild.remove();
  }
}

function numberOf(id) {
  return Number(document.getElementById(id).value);
}
