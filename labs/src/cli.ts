// `npm run lab -- <command>`:
//   list                 the exercises, in order (also what a bare `npm run lab` prints)
//   <exercise> ...       run one or more: by number (2, 02) or name (02-slow-consumer, slow-consumer)
//   all                  run every exercise in order
//   reset                both services back to their defaults
//   docs                 regenerate the learner pages labs/NN-*.md from the exercise files
// Options: --json FILE writes the results as JSON. Environment: PRODUCER_URL, CONSUMER_URL,
// LAB_TIME_SCALE (see labs/README.md).
import { writeFileSync } from 'node:fs';
import { EXERCISES, findExercise } from '../exercises';
import { writeDocs } from './docs';
import { streamOutput } from './output';
import { type ExerciseResult, requireServices, resetServices, runExercise, runningBackend, runningDownstream } from './runner';
import { urlsFromEnv } from './services';
import { timeScaleFromEnv } from './time-scale';

async function main(argv: string[]): Promise<number> {
  const jsonAt = argv.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;
  const args = argv.filter((_, i) => jsonAt < 0 || (i !== jsonAt && i !== jsonAt + 1));
  const command = args[0] ?? 'list';
  const out = streamOutput();

  if (command === 'list' || command === 'help' || command === '--help') {
    out.line('Exercises (run one with `npm run lab -- <number or name>`):');
    for (const e of EXERCISES) out.line(`  ${e.id.padEnd(24)} ${e.title}`);
    out.line('\nAlso: `npm run lab -- reset` (defaults), `npm run lab -- all`, and `npm run watch` in another terminal.');
    return 0;
  }
  if (command === 'docs') {
    for (const file of writeDocs()) out.line(`wrote ${file}`);
    return 0;
  }

  const options = { urls: urlsFromEnv(), scale: timeScaleFromEnv(), out, interactive: Boolean(process.stdin.isTTY) };
  if (command === 'reset') {
    try {
      await requireServices(options);
      await resetServices(options);
    } catch (err) {
      out.line(out.paint('red', `Reset failed: ${(err as Error).message}`));
      return 1;
    }
    out.line(out.paint('green', 'Both services are back to their defaults.'));
    return 0;
  }
  const chosen = command === 'all' ? await exercisesForTheRunningLab(options) : args.map(findExercise);
  const unknown = args.filter((_, i) => chosen[i] === undefined);
  if (unknown.length > 0) {
    out.line(`No exercise "${unknown.join('", "')}". Run \`npm run lab -- list\` to see them.`);
    return 2;
  }
  const results: ExerciseResult[] = [];
  for (const exercise of chosen) if (exercise) results.push(await runExercise(exercise, options));
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify(results, null, 2));
  if (chosen.length > 1) {
    for (const r of results) out.line(`${r.passed ? out.paint('green', 'PASS') : out.paint('red', 'FAIL')}  ${r.id}`);
  }
  return results.every((r) => r.passed) ? 0 : 1;
}

/** Every exercise, but those that need the other queue backend, a database or instances not running (said, and left out). */
async function exercisesForTheRunningLab(options: Parameters<typeof requireServices>[0]) {
  await requireServices(options).catch(() => {}); // runExercise says what is wrong
  const backend = await runningBackend(options).catch(() => undefined);
  const skipped = EXERCISES.filter((e) => backend && e.backend && e.backend.only !== backend);
  for (const e of skipped) options.out.line(`Left out: ${e.id} (only with QUEUE_BACKEND=${e.backend?.only}: ${e.backend?.why})`);
  const downstream = await runningDownstream(options).catch(() => undefined);
  const withoutDatabase = EXERCISES.filter((e) => !skipped.includes(e) && e.downstream && e.downstream !== downstream);
  if (withoutDatabase.length > 0) {
    options.out.line(`Left out (they need DOWNSTREAM=postgres): ${withoutDatabase.map((e) => e.id).join(', ')}`);
    skipped.push(...withoutDatabase);
  }
  const unmet: string[] = [];
  for (const e of EXERCISES) {
    if (skipped.includes(e) || !e.needs || (await e.needs.running(options.urls).catch(() => false))) continue;
    unmet.push(e.id);
    options.out.line(`Left out: ${e.id} (it needs ${e.needs.start})`);
  }
  return EXERCISES.filter((e) => !skipped.includes(e) && !unmet.includes(e.id));
}

process.once('SIGINT', () => {
  process.stdout.write(
    '\nInterrupted. The services keep the settings the exercise gave them: `npm run lab -- reset` restores the defaults.\n',
  );
  process.exit(130);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
