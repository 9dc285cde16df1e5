// The exercise panel: pick one of labs/, read its goal and steps, run it with the lab's runner on
// the server, and see each promised number beside the one measured, PASS or FAIL.
import { el } from './dom.js';
import { num } from './format.js';

export class ExercisePanel {
  constructor(scale, controls) {
    this.controls = controls;
    const note = document.getElementById('exercise-scale');
    note.hidden = scale === 1;
    note.textContent = `LAB_TIME_SCALE=${scale}: durations ÷${scale}, rates ×${scale}. Promised numbers are shown at scale 1 until a run measures them.`;
    this.select = document.getElementById('exercise-select');
    this.button = document.getElementById('exercise-run');
    this.current = undefined;
    this.run = undefined;
    this.select.addEventListener('change', () => this.show(this.select.value));
    this.button.addEventListener('click', () => this.start());
    this.load();
  }

  async load() {
    const list = await (await fetch('/api/exercises')).json();
    this.select.replaceChildren(...list.map((e) => Object.assign(el('option', `${e.id.slice(0, 2)} · ${e.title}`), { value: e.id })));
    await this.show(list[0].id);
  }

  async show(id) {
    const exercise = await (await fetch(`/api/exercises/${encodeURIComponent(id)}`)).json();
    this.current = exercise;
    this.select.value = id;
    document.getElementById('exercise-goal').textContent = exercise.goal;
    document.getElementById('exercise-steps').replaceChildren(
      ...exercise.steps.map((step) => {
        const item = el('li', step.say);
        if (step.send) {
          // Do the step by hand: the same request, listed under Controls like every button's.
          const button = el('button', 'do it');
          button.className = 'step';
          button.addEventListener('click', () => this.controls.send(step.send.service, step.send.path, step.send.body));
          item.append(' ', button);
        }
        if (step.command) item.append(el('code', `$ ${step.command}`));
        if (step.answer) item.append(Object.assign(el('details', '', el('summary', 'answer'), el('p', step.answer))));
        return item;
      }),
    );
    const question = document.getElementById('exercise-question');
    question.querySelector('summary').textContent = exercise.question;
    question.querySelector('p').textContent = exercise.answer;
    this.showChecks(this.run?.id === id ? this.run : undefined);
  }

  /** Runs the exercise shown, or stops the one running. */
  async start() {
    const route = this.run?.running ? '/api/exercises/stop' : `/api/exercises/${encodeURIComponent(this.current.id)}/run`;
    const res = await fetch(route, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    if (!res.ok) document.getElementById('exercise-verdict').textContent = (await res.json()).error;
  }

  /** The state of a run (any page may have started it). */
  showRun(run) {
    this.run = run;
    this.button.textContent = run.running ? `Stop ${run.id.slice(0, 2)}` : 'Run it';
    if (this.current?.id !== run.id) return;
    this.showChecks(run);
    const output = document.getElementById('exercise-output');
    output.hidden = false;
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 5;
    output.textContent = [...run.lines, run.running ? run.progress : ''].join('\n');
    if (atBottom) output.scrollTop = output.scrollHeight;
    const step = /── Step (\d+)\/\d+/.exec(run.lines.findLast((l) => l.startsWith('── Step')) ?? '')?.[1];
    for (const [i, li] of [...document.getElementById('exercise-steps').children].entries()) {
      li.classList.toggle('current', run.running && i + 1 === Number(step));
    }
  }

  showChecks(run) {
    const verdict = document.getElementById('exercise-verdict');
    verdict.className = 'verdict';
    verdict.textContent = '';
    if (run && !run.running) {
      verdict.textContent = run.passed ? `PASS ${run.id}` : `FAIL ${run.id}${run.failedStep ? `: ${run.failedStep}` : ''}`;
      verdict.classList.add(run.passed ? 'pass' : 'fail');
    }
    const rows = this.current.checks.map((check, i) => {
      const measured = run?.checks[i];
      const value = measured && measured.measured !== null ? `${num(measured.measured)} ${measured.unit}` : '—';
      const mark = measured && measured.measured !== null ? (measured.pass ? 'PASS' : 'FAIL') : '';
      const row = el('tr', '', el('td', check.what), el('td', measured?.expectation ?? check.expected), el('td', value), el('td', mark));
      row.title = check.why ?? '';
      row.lastChild.className = mark === 'PASS' ? 'pass' : mark === 'FAIL' ? 'fail' : '';
      return row;
    });
    document.querySelector('#exercise-checks tbody').replaceChildren(...rows);
  }
}
