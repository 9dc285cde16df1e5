// The workshop's pages and definitions: pages generated from the exercise files and up to date,
// every exercise listed, every dashboard panel it names present in the provisioned dashboard,
// and every setting an exercise sends valid at every LAB_TIME_SCALE the runner accepts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { applyPatch } from '../common/src/settings';
import { consumerSettings } from '../consumer/src/config';
import { EXERCISES, findExercise } from '../labs/exercises';
import { docFile, exercisePage, LABS_DIR } from '../labs/src/docs';
import { PANELS } from '../labs/src/panels';
import { MIN_RATE_SECONDS, type Up, Window } from '../labs/src/recording';
import type { Snapshot } from '../labs/src/snapshot';
import { DEFAULTS, MAX_TIME_SCALE, scaleSettings } from '../labs/src/time-scale';
import { producerSettings } from '../producer/src/config';

const ROOT = path.resolve(__dirname, '../..'); // from dist/test

test('every exercise page is generated from its exercise file and up to date (npm run lab -- docs)', () => {
  EXERCISES.forEach((exercise, i) => {
    const page = readFileSync(docFile(exercise), 'utf8');
    assert.equal(page, exercisePage(exercise, i), `${exercise.id}.md is stale`);
  });
});

test('exercises are numbered 1..n, each has checks, and labs/README.md links every page', () => {
  const readme = readFileSync(path.join(LABS_DIR, 'README.md'), 'utf8');
  EXERCISES.forEach((exercise, i) => {
    assert.equal(Number.parseInt(exercise.id, 10), i + 1, exercise.id);
    assert.ok(exercise.checks.length > 0, `${exercise.id} checks nothing`);
    assert.ok(readme.includes(`](${exercise.id}.md)`), `README links ${exercise.id}`);
    assert.equal(findExercise(String(i + 1)), exercise);
    assert.equal(findExercise(exercise.id.slice(3)), exercise);
  });
  assert.ok(readFileSync(path.join(ROOT, 'README.md'), 'utf8').includes('](labs/README.md)'), 'the main README points to the workshop');
});

test('every panel an exercise names exists in the provisioned Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'grafana/dashboards/backpressure-lab.json'), 'utf8'));
  const titles = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.title === 'string' && 'type' in o) titles.add(o.title);
      Object.values(o).forEach(walk);
    }
  };
  walk(dashboard.panels);
  for (const title of Object.values(PANELS)) assert.ok(titles.has(title), `panel "${title}" is not on the dashboard`);
  for (const e of EXERCISES) assert.ok(e.watch.panels.length > 0, `${e.id} names no panel`);
});

test('the defaults and every setting an exercise sends are valid at every time scale', () => {
  const schemas = { producer: producerSettings, consumer: consumerSettings };
  for (const scale of [1, 2, 5, 10, MAX_TIME_SCALE]) {
    const current = {
      producer: applyPatch(producerSettings, DEFAULTS.producer, scaleSettings(DEFAULTS.producer, scale)),
      consumer: applyPatch(consumerSettings, DEFAULTS.consumer, scaleSettings(DEFAULTS.consumer, scale)),
    };
    for (const exercise of EXERCISES) {
      for (const step of exercise.steps) {
        if (step.kind !== 'post' || step.path !== '/admin/config' || !step.body) continue;
        assert.doesNotThrow(
          () => applyPatch(schemas[step.service], current[step.service], scaleSettings(step.body!, scale)),
          `${exercise.id} at scale ${scale}: ${JSON.stringify(step.body)}`,
        );
      }
    }
  }
  assert.deepEqual(scaleSettings({ production_rate: 10, processing_time_ms: 100, sample_rate: 10, max_queue_size: 100 }, 10), {
    production_rate: 100,
    processing_time_ms: 10,
    sample_rate: 10,
    max_queue_size: 100,
  });
});

test('no check measures a rate over less than 2 s: a shorter window says so instead of a number', () => {
  const up = (at: number, size: number) => ({ at, errors: {}, producer: { queue: { size } }, consumer: {} }) as unknown as Snapshot;
  const size = (s: Up) => s.producer.queue.size;
  assert.equal(MIN_RATE_SECONDS, 2);
  assert.equal(new Window('long', [up(0, 0), up(1000, 5), up(2000, 10)]).rate(size), 5);
  assert.throws(() => new Window('short', [up(0, 0), up(1999, 10)]).rate(size), /"short" spans 1\.9 s.*needs 2 s at least/);
});
