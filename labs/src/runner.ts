// Runs one exercise against the running services: resets both to their defaults, performs each
// step (printing the curl command it corresponds to), shows live progress while it waits, then
// measures every promised number and prints PASS or FAIL beside it.
import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueBackend } from '../../common/src/env';
import { type CheckResult, describeExpectation, evaluate } from './checks';
import { type Downstream, type Exercise, type PostStep, RESET_SAY, type Step } from './exercise';
import { duration, num } from './format';
import type { Output } from './output';
import { Recording, Window } from './recording';
import {
  type ConsumerStatus,
  curlFor,
  describeError,
  instanceUrl,
  type ProducerStatus,
  request,
  type ServiceName,
  type Urls,
} from './services';
import { ratesBetween, type Snapshot, takeSnapshot } from './snapshot';
import { DEFAULTS, scaleSettings } from './time-scale';

export interface RunOptions {
  urls: Urls;
  scale: number;
  out: Output;
  /** Ask the learner for predictions (only on a terminal). */
  interactive: boolean;
  /** Where the run records what it sees; the browser view passes its own to show the checks live. */
  recording?: Recording;
  /** Stops the run between two snapshots (the browser view's Stop button); the checks are still measured. */
  signal?: AbortSignal;
}

export interface ExerciseResult {
  id: string;
  title: string;
  scale: number;
  passed: boolean;
  checks: CheckResult[];
  /** The step that could not be carried out, if one could not. */
  failedStep?: string;
}

interface Prediction {
  question: string;
  guess: string;
  answer: string;
}

/** Waits are never cut below this many real seconds, whatever the scale. */
const MIN_TIMEOUT_S = 15;

export async function runExercise(exercise: Exercise, options: RunOptions): Promise<ExerciseResult> {
  const { out, scale } = options;
  out.line(out.paint('bold', `━━ ${exercise.id}: ${exercise.title}`));
  out.line(exercise.goal);
  if (scale !== 1) out.line(out.paint('dim', `(LAB_TIME_SCALE=${scale}: durations ÷${scale}, rates ×${scale}; counts unchanged)`));
  const recording = options.recording ?? new Recording();
  const predictions: Prediction[] = [];
  let failedStep: string | undefined;
  const total = exercise.steps.length;
  try {
    await requireServices(options);
    if (exercise.backend) await requireBackend(exercise.backend, options);
    if (exercise.downstream) await requireDownstream(exercise.downstream, options);
    await resetServices(options, `Step 0/${total}`, exercise.needs?.uses ?? {});
    for (const [index, step] of exercise.steps.entries()) {
      if (options.signal?.aborted) throw new Error('stopped');
      await runStep(step, `Step ${index + 1}/${total}`, options, recording, predictions);
    }
  } catch (err) {
    failedStep = (err as Error).message;
    out.line(out.paint('red', `✖ ${failedStep}`));
  }
  const checks = exercise.checks.map((check) => evaluate(check, recording, scale));
  printResults(out, checks);
  for (const p of predictions) {
    out.line(`Predicted: ${p.question}${p.guess ? ` You said: ${p.guess}.` : ''} Answer: ${p.answer}`);
  }
  const passed = failedStep === undefined && checks.every((c) => c.pass);
  out.line(passed ? out.paint('green', `PASS ${exercise.id}`) : out.paint('red', `FAIL ${exercise.id}`));
  out.line();
  const result: ExerciseResult = { id: exercise.id, title: exercise.title, scale, passed, checks };
  if (failedStep) result.failedStep = failedStep;
  return result;
}

/**
 * Puts both services back to their defaults (time-scaled) and waits until they are calm. Other
 * instances that `npm start` runs on the broker (PRODUCERS, CONSUMERS: two ports up each) get
 * their defaults too; those beyond what `uses` counts are set aside (a producer makes nothing, a
 * consumer is paused). By default every instance is used: `npm run lab -- reset` brings all back.
 */
export async function resetServices(options: RunOptions, label = 'Reset', uses: Partial<Record<ServiceName, number>> = ALL): Promise<void> {
  const { out, scale } = options;
  out.line(out.paint('cyan', `── ${label}: ${RESET_SAY}`));
  await send(options, 'consumer', '/admin/config', scaleSettings(DEFAULTS.consumer, scale));
  await send(options, 'producer', '/admin/config', scaleSettings(DEFAULTS.producer, scale));
  const aside = { producer: { production_rate: 0 }, consumer: { paused: true } };
  for (const service of ['producer', 'consumer'] as const) {
    for (const [i, url] of (await otherInstances(service, options.urls[service])).entries()) {
      const n = i + 2;
      const settings = { ...scaleSettings(DEFAULTS[service], scale), ...(n > (uses[service] ?? 1) ? aside[service] : {}) };
      await request(`${url}/admin/config`, 'POST', settings);
      out.line(
        out.paint(
          'dim',
          `   ${service}-${n} at ${url}: ${n > (uses[service] ?? 1) ? `defaults, set aside (${JSON.stringify(aside[service])})` : 'defaults'}`,
        ),
      );
    }
  }
  await send(options, 'producer', '/admin/clear-queue');
  // A breaker opened by an earlier exercise closes at its next successful probe.
  const calm = (s: Snapshot) => {
    const breaker = s.producer?.backend.breaker; // only the dispatcher has one
    return s.producer !== undefined && (!breaker || breaker.state === 'closed') && s.producer.queue.size <= 5;
  };
  const { finished } = await observe(options, { until: calm, timeoutMs: MIN_TIMEOUT_S * 1000 });
  if (!finished) throw new Error('the services did not settle after the reset (queue still full or breaker open)');
}

const ALL = { producer: Infinity, consumer: Infinity };

/**
 * Instances 2, 3, … of a service, two ports up each, while one answers by that name (`producer-2`:
 * npm start names them; a service of another lab that happens to listen there is left alone).
 */
async function otherInstances(service: ServiceName, first: string): Promise<string[]> {
  const found: string[] = [];
  for (let n = 2; n <= 16; n++) {
    const url = instanceUrl(first, n);
    const name = await request<{ instance?: string }>(`${url}/status`).then(
      (a) => a.body?.instance,
      () => undefined,
    );
    if (name !== `${service}-${n}`) break;
    found.push(url);
  }
  return found;
}

/** Throws (after telling the learner how to start the lab) unless both services answer. */
export async function requireServices({ urls, out }: RunOptions): Promise<void> {
  for (const [name, url] of Object.entries(urls)) {
    try {
      await request(`${url}/health`);
    } catch (err) {
      out.line(`Cannot reach the ${name} at ${url} (${describeError(err)}).`);
      out.line('Start the lab first: `npm start` (or `docker compose up -d`), or set PRODUCER_URL / CONSUMER_URL.');
      throw new Error(`${name} is not reachable`);
    }
  }
}

/** The queue backend the running producer uses (QUEUE_BACKEND). */
export async function runningBackend({ urls }: Pick<RunOptions, 'urls'>): Promise<QueueBackend> {
  const { body } = await request<ProducerStatus>(`${urls.producer}/status`);
  return body.backend.kind;
}

const START_FOR: Record<QueueBackend, string> = {
  memory: 'the in-memory queue: `npm start` (without QUEUE_BACKEND)',
  rabbitmq: 'the broker: `npm run rabbitmq`, then `QUEUE_BACKEND=rabbitmq npm start`',
};

async function requireBackend({ only, why }: { only: QueueBackend; why: string }, options: RunOptions): Promise<void> {
  if ((await runningBackend(options)) === only) return;
  options.out.line(`This exercise needs the lab on ${START_FOR[only]}: ${why}.`);
  throw new Error(`the lab does not run with QUEUE_BACKEND=${only}`);
}

/** The database behind the running consumer (DOWNSTREAM), if any. */
export async function runningDownstream({ urls }: Pick<RunOptions, 'urls'>): Promise<string | undefined> {
  const { body } = await request<ConsumerStatus>(`${urls.consumer}/status`);
  return body.downstream?.kind;
}

async function requireDownstream(downstream: Downstream, options: RunOptions): Promise<void> {
  if ((await runningDownstream(options)) === downstream) return;
  options.out.line('This exercise needs PostgreSQL behind the consumer: `npm run postgres`, then `DOWNSTREAM=postgres npm start`.');
  throw new Error(`the consumer does not run with DOWNSTREAM=${downstream}`);
}

async function runStep(step: Step, label: string, options: RunOptions, recording: Recording, predictions: Prediction[]): Promise<void> {
  const { out, scale } = options;
  let say = step.kind === 'predict' ? `Predict: ${step.question}` : step.say;
  if (step.kind === 'watch') say += ` (${step.seconds} s${scale === 1 ? '' : ` → ${num(step.seconds / scale)} s`})`;
  out.line(out.paint('cyan', `── ${label}: ${say}`));
  switch (step.kind) {
    case 'post': {
      const body = await send(options, step.service, step.path, step.body && scaleSettings(step.body, scale));
      if (step.record) recording.record(step.record.name, step.record.read(body));
      return;
    }
    // A window is recorded before it fills, so that checks can be read while it does (the browser view).
    case 'watch': {
      const snapshots: Snapshot[] = [];
      if (step.window) recording.addWindow(new Window(step.window, snapshots));
      await observe(options, { forMs: (step.seconds / scale) * 1000 }, snapshots);
      return;
    }
    case 'until': {
      // A deadline, not a measurement: not compressed by the scale, so a busy machine (or a restart,
      // which takes real seconds whatever the scale) has all of it; a run that goes well ends sooner.
      const timeoutMs = Math.max(MIN_TIMEOUT_S, step.timeout) * 1000;
      const snapshots: Snapshot[] = [];
      if (step.window) recording.addWindow(new Window(step.window, snapshots));
      const { finished } = await observe(options, { until: step.done, timeoutMs }, snapshots);
      if (!finished) throw new Error(`gave up after ${duration(timeoutMs / 1000)} waiting: ${step.say}`);
      return;
    }
    case 'action':
      return step.run({
        urls: options.urls,
        scale,
        record: (name, value) => recording.record(name, value),
        value: (name) => recording.value(name),
        say: (line) => out.line(`   ${line}`),
      });
    case 'predict': {
      let guess = '';
      if (options.interactive) {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        guess = (await rl.question('   Your prediction (Enter to skip): ')).trim();
        rl.close();
      }
      predictions.push({ question: step.question, guess, answer: step.answer }); // answered after the results
    }
  }
}

/** POSTs as a learner would with curl, printing the command and the answer. Throws on >= 400. */
async function send(options: RunOptions, service: ServiceName, path: string, body?: PostStep['body']): Promise<unknown> {
  const { out, urls } = options;
  const url = `${urls[service]}${path}`;
  out.line(out.paint('dim', `$ ${curlFor(url, 'POST', body)}`));
  const answer = await request(url, 'POST', body);
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  out.line(`  → ${answer.status} ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`);
  if (answer.status >= 400) throw new Error(`${service} answered ${answer.status} to POST ${path}`);
  return answer.body;
}

interface ObserveUntil {
  forMs?: number;
  until?: (s: Snapshot) => boolean;
  timeoutMs?: number;
}

/**
 * Takes snapshots (into `snapshots`) until `forMs` has passed or `until` holds (or `timeoutMs`
 * passed), showing progress on the way. Polls 2×/s at scale 1, faster when time is compressed.
 */
async function observe(
  options: RunOptions,
  wait: ObserveUntil,
  snapshots: Snapshot[] = [],
): Promise<{ snapshots: Snapshot[]; finished: boolean }> {
  const { out, urls, scale } = options;
  const intervalMs = Math.min(500, Math.max(50, 500 / scale));
  const started = performance.now();
  const limitMs = wait.forMs ?? wait.timeoutMs ?? 0;
  for (;;) {
    const snapshot = await takeSnapshot(urls);
    snapshots.push(snapshot);
    const elapsedMs = snapshot.at - started;
    const finished = wait.until ? wait.until(snapshot) : elapsedMs >= limitMs;
    const ended = finished || elapsedMs >= limitMs;
    out.progress(progressLine(snapshots, elapsedMs, wait.forMs, options), ended);
    if (ended) return { snapshots, finished };
    if (options.signal?.aborted) throw new Error('stopped');
    await sleep(Math.min(intervalMs, Math.max(0, limitMs - elapsedMs)));
  }
}

/** "  12.0 s / 60 s │ queue 72 │ produced 10/s sent 4/s processed 4/s rejected 0/s dropped 0/s" */
function progressLine(snapshots: Snapshot[], elapsedMs: number, totalMs: number | undefined, { out }: RunOptions): string {
  const now = snapshots.at(-1);
  if (!now) return '';
  const back = snapshots.filter((s) => now.at - s.at >= 1000).at(-1) ?? now;
  const seconds = (ms: number) => num(Math.round(ms / 10) / 100);
  const time = `${seconds(elapsedMs)} s${totalMs === undefined ? '' : ` / ${seconds(totalMs)} s`}`;
  const parts = [`  ⏱ ${time}`];
  if (now.producer) {
    const q = now.producer.queue;
    parts.push(`queue ${q.size}${q.limit === null ? '' : ` / ${q.limit}`}`);
  } else {
    parts.push(out.paint('red', `producer DOWN (${now.errors.producer})`));
  }
  if (!now.consumer) parts.push(out.paint('red', `consumer DOWN (${now.errors.consumer})`));
  const r = ratesBetween(back, now);
  const rate = (name: string, v: number | undefined) => `${name} ${num(v)}/s`;
  parts.push(
    [
      rate('produced', r.produced),
      rate('sent', r.sent),
      rate('processed', r.processed),
      rate('rejected', r.rejected),
      rate('dropped', r.dropped === undefined ? undefined : r.dropped + (r.sampled_out ?? 0)),
    ].join(' '),
  );
  return parts.join(' │ ');
}

function printResults(out: Output, checks: CheckResult[]): void {
  if (checks.length === 0) return;
  const width = Math.max(...checks.map((c) => c.what.length));
  out.line(out.paint('bold', 'Results (expected → measured)'));
  for (const c of checks) {
    const verdict = c.pass ? out.paint('green', 'PASS') : out.paint('red', 'FAIL');
    const measured = c.error ? `not measured: ${c.error}` : `${num(c.measured)}${c.unit ? ` ${c.unit}` : ''}`;
    out.line(`  ${verdict}  ${c.what.padEnd(width)}  expected ${describeExpectation(c)}  measured ${measured}`);
  }
}
