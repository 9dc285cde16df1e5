// The exercise panel: an exercise as the page shows it (goal, steps with their curl commands,
// the promised numbers), and a run of it by the lab's own runner — the one `npm run lab` uses,
// with the same checks — whose output lines and live PASS/FAIL the page follows.
import { type CheckResult, describeCheck, describeExpectation, evaluate } from '../../labs/src/checks';
import type { Exercise } from '../../labs/src/exercise';
import { num } from '../../labs/src/format';
import { Recording } from '../../labs/src/recording';
import { runExercise } from '../../labs/src/runner';
import { curlFor, type Urls } from '../../labs/src/services';
import { scaleSettings } from '../../labs/src/time-scale';

/** An exercise as the page shows it, at the lab's time scale. */
export function describeExercise(exercise: Exercise, urls: Urls, scale: number) {
  return {
    id: exercise.id,
    title: exercise.title,
    goal: exercise.goal,
    intro: exercise.intro,
    steps: exercise.steps.map((step) => {
      switch (step.kind) {
        case 'post': {
          const body = step.body && scaleSettings(step.body, scale);
          // `send` lets the page's button for the step make the same request (POST /api/command).
          return {
            say: step.say,
            command: curlFor(`${urls[step.service]}${step.path}`, 'POST', body),
            send: { service: step.service, path: step.path, body },
          };
        }
        case 'watch':
          return { say: `${step.say} (${num(step.seconds / scale)} s)` };
        case 'until':
          return { say: step.say };
        case 'action':
          return { say: step.say, command: step.shown };
        case 'predict':
          return { say: `Predict: ${step.question}`, answer: step.answer };
        default:
          throw new Error(`unknown step ${JSON.stringify(step satisfies never)}`);
      }
    }),
    watch: exercise.watch.terminal,
    checks: exercise.checks.map((check) => ({ what: check.what, expected: describeCheck(check), why: check.why })),
    question: exercise.question,
    answer: exercise.answer,
  };
}

export interface RunState {
  id: string;
  running: boolean;
  /** What the runner printed, newest last (at most MAX_LINES). */
  lines: string[];
  /** Its live progress line. */
  progress: string;
  /** Every check, measured so far (measured is null until its window has data). */
  checks: (CheckResult & { expectation: string })[];
  passed?: boolean;
  failedStep?: string;
}

const MAX_LINES = 60;
/** How often the checks are measured again, and the state sent, while a run lasts. */
const REFRESH_MS = 500;

/** One run at a time: the exercises reset both services, two at once would undo each other. */
export class ExerciseSession {
  private state: RunState | undefined;
  private stopping = new AbortController();

  constructor(
    private readonly urls: Urls,
    private readonly scale: number,
    private readonly publish: (state: RunState) => void,
  ) {}

  get running(): boolean {
    return this.state?.running ?? false;
  }

  /** Stops the run at its next snapshot; false when none is running. */
  stop(): boolean {
    if (!this.running) return false;
    this.stopping.abort();
    return true;
  }

  /** Starts `exercise`; false when one is already running. */
  start(exercise: Exercise): boolean {
    if (this.running) return false;
    this.stopping = new AbortController();
    const recording = new Recording();
    const state: RunState = { id: exercise.id, running: true, lines: [], progress: '', checks: [] };
    this.state = state;
    const measure = () => {
      state.checks = exercise.checks.map((check) => {
        const result = evaluate(check, recording, this.scale);
        return { ...result, expectation: describeExpectation(result) };
      });
      this.publish(state);
    };
    const out = {
      line: (text = '') => {
        state.lines.push(text);
        if (state.lines.length > MAX_LINES) state.lines.shift();
      },
      progress: (text: string) => {
        state.progress = text.trim();
      },
      paint: (_color: string, text: string) => text,
    };
    const timer = setInterval(measure, REFRESH_MS);
    runExercise(exercise, { urls: this.urls, scale: this.scale, out, interactive: false, recording, signal: this.stopping.signal })
      .then(
        (result) => {
          state.passed = result.passed;
          state.failedStep = result.failedStep;
        },
        (err: Error) => {
          state.passed = false;
          state.failedStep = err.message;
        },
      )
      .finally(() => {
        clearInterval(timer);
        state.running = false;
        measure();
      });
    measure();
    return true;
  }
}
