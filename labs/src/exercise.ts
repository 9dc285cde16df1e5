// What an exercise is: prose for the learner, steps the runner performs (each one a request a
// learner could type), and checks — the numbers the exercise promises, measured while it runs.
// One file per exercise in ../exercises/ builds one of these; the runner runs it and the
// learner's markdown page is generated from it, so the promise and the check are one thing.
import type { QueueBackend } from '../../common/src/env';
import type { DOWNSTREAMS } from '../../consumer/src/downstream/settings';
import type { PanelTitle } from './panels';
import type { Recording } from './recording';
import { type ConsumerStatus, type ProducerStatus, requestWhenUp, type ServiceName, type Urls } from './services';
import type { Snapshot } from './snapshot';
import type { Unit } from './time-scale';

export type Downstream = Exclude<(typeof DOWNSTREAMS)[number], 'none'>;

export interface Exercise {
  /** "02-slow-consumer": the number is the order; `npm run lab -- 02` finds it. */
  id: string;
  title: string;
  /** One paragraph: what the learner will see and why it matters. */
  goal: string;
  /** Optional background before the steps (markdown). */
  intro?: string;
  steps: Step[];
  /** What to keep an eye on: panels of the Grafana dashboard, and the terminal view. */
  watch: { panels: PanelTitle[]; terminal: string };
  checks: Check[];
  /** The trade-off question, and its answer (revealed on demand). */
  question: string;
  answer: string;
  /** What differs on the Docker stack (markdown), if anything. */
  docker?: string;
  /**
   * Set when the exercise teaches something only one queue backend has (QUEUE_BACKEND), with why:
   * `npm run lab -- all` skips it on the other and says so. Every other exercise runs on both.
   */
  backend?: { only: QueueBackend; why: string };
  /** Set when it needs a database behind the consumer (DOWNSTREAM); `npm run lab -- all` skips it without one. */
  downstream?: Downstream;
  /** Set when it needs more of the lab than one producer and one consumer: `npm run lab -- all` skips it when that is not running. */
  needs?: {
    start: string;
    running(urls: Urls): Promise<boolean>;
    /**
     * How many producers and consumers it uses (1 of each unless said; Infinity: all). At its
     * start, `npm start`'s other instances are set aside: their producers make nothing and their
     * consumers are paused, so that every exercise means the same whatever PRODUCERS and CONSUMERS run.
     */
    uses?: Partial<Record<ServiceName, number>>;
  };
}

export type Step = PostStep | WatchStep | UntilStep | ActionStep | PredictStep;

export interface PostStep {
  kind: 'post';
  say: string;
  service: ServiceName;
  path: string;
  /** Settings in it are time-scaled (rates ×, durations ÷ LAB_TIME_SCALE). */
  body?: Record<string, unknown>;
  /** Keep a number from the answer for the checks. */
  // biome-ignore lint/suspicious/noExplicitAny: the answer's JSON, read by the field the exercise names
  record?: { name: string; read: (body: any) => number };
}

export interface WatchStep {
  kind: 'watch';
  say: string;
  seconds: number;
  /** Name under which the checks find what was seen. */
  window?: string;
  /** The jq filter the markdown's polling loop shows. */
  jq?: string;
}

export interface UntilStep {
  kind: 'until';
  say: string;
  done: (s: Snapshot) => boolean;
  /** Give up after this long (time-scaled, but never less than 15 real seconds). */
  timeout: number;
  window?: string;
  jq?: string;
}

export interface ActionStep {
  kind: 'action';
  say: string;
  /** What a learner would run instead (markdown shows it as a bash block). */
  shown: string;
  run: (ctx: ActionContext) => Promise<void>;
}

export interface PredictStep {
  kind: 'predict';
  question: string;
  answer: string;
}

export interface ActionContext {
  urls: Urls;
  scale: number;
  record(name: string, value: number): void;
  /** A number an earlier step recorded. */
  value(name: string): number;
  say(line: string): void;
}

export type Comparison = '≈' | '≤' | '≥' | '=';

export interface Check {
  what: string;
  expect: Comparison;
  /** At LAB_TIME_SCALE=1; the runner scales it by its unit. */
  value: number;
  unit: Unit;
  /** For ≈: allowed relative error (0.2 = ±20%) … */
  tolerance?: number;
  /** … or absolute error, in `unit` at scale 1 (the larger of the two applies). */
  within?: number;
  /** How the number follows from the settings, shown beside it. */
  why?: string;
  measure: (r: Recording) => number;
}

export const post = (
  service: ServiceName,
  path: string,
  body: Record<string, unknown> | undefined,
  say: string,
  record?: PostStep['record'],
): PostStep => ({ kind: 'post', service, path, body, say, record });

export const watch = (seconds: number, say: string, options: { window?: string; jq?: string } = {}): WatchStep => ({
  kind: 'watch',
  seconds,
  say,
  ...options,
});

export const until = (
  say: string,
  done: (s: Snapshot) => boolean,
  timeout: number,
  options: { window?: string; jq?: string } = {},
): UntilStep => ({ kind: 'until', say, done, timeout, ...options });

export const action = (say: string, shown: string, run: ActionStep['run']): ActionStep => ({ kind: 'action', say, shown, run });

export const predict = (question: string, answer: string): PredictStep => ({ kind: 'predict', question, answer });

/**
 * SIGKILLs a service, as a crash would (no shutdown, no goodbye): the runner finds its PID in its
 * /status, so it works where the lab runs natively. `npm start` restarts it a second later.
 */
export const kill = (service: ServiceName, say: string): ActionStep =>
  action(say, `kill -9 $(curl -s http://localhost:${service === 'producer' ? 8000 : 8001}/status | jq .process.pid)`, async (ctx) => {
    // Asked until it answers: an earlier step may have left it restarting.
    const { pid } = (await requestWhenUp<ProducerStatus | ConsumerStatus>(`${ctx.urls[service]}/status`)).body.process;
    process.kill(pid, 'SIGKILL');
    ctx.say(`${service} (PID ${pid}) killed`);
  });

type CheckOptions = Pick<Check, 'tolerance' | 'within' | 'why'>;

/** ≈: ±20% unless told otherwise; with only `within` given, that absolute error alone. */
export const about = (what: string, value: number, unit: Unit, measure: Check['measure'], options: CheckOptions = {}): Check => ({
  what,
  expect: '≈',
  value,
  unit,
  measure,
  tolerance: options.within === undefined ? 0.2 : 0,
  ...options,
});
export const atMost = (what: string, value: number, unit: Unit, measure: Check['measure'], options: CheckOptions = {}): Check => ({
  what,
  expect: '≤',
  value,
  unit,
  measure,
  ...options,
});
export const atLeast = (what: string, value: number, unit: Unit, measure: Check['measure'], options: CheckOptions = {}): Check => ({
  what,
  expect: '≥',
  value,
  unit,
  measure,
  ...options,
});
export const exactly = (what: string, value: number, unit: Unit, measure: Check['measure'], options: CheckOptions = {}): Check => ({
  what,
  expect: '=',
  value,
  unit,
  measure,
  ...options,
});

/** The first step of every exercise: both services back to their defaults. */
export const RESET_SAY = 'Start from the defaults: both services get every setting back, the queue is emptied';
