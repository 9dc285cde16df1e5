// The learner's page for each exercise (labs/NN-name.md), generated from the exercise file so
// the commands and the promised numbers on the page are exactly what the runner does and
// checks. `npm run lab -- docs` rewrites them; a test fails when one is out of date.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXERCISES } from '../exercises';
import { describeCheck } from './checks';
import { type Exercise, RESET_SAY, type Step } from './exercise';
import { curlFor } from './services';

export const LABS_DIR = path.resolve(__dirname, '../../../labs');
const URLS = { producer: 'http://localhost:8000', consumer: 'http://localhost:8001' };
const STATUS = `curl -s ${URLS.producer}/status`;

export const docFile = (exercise: Exercise): string => path.join(LABS_DIR, `${exercise.id}.md`);

/** The page of `exercise`, the one at `index` of EXERCISES, as it is written to its file. */
export function exercisePage(exercise: Exercise, index: number): string {
  return exerciseMarkdown(exercise, EXERCISES[index - 1], EXERCISES[index + 1]);
}

export function writeDocs(): string[] {
  return EXERCISES.map((exercise, index) => {
    const file = docFile(exercise);
    writeFileSync(file, exercisePage(exercise, index));
    return path.relative(process.cwd(), file);
  });
}

export function exerciseMarkdown(e: Exercise, previous?: Exercise, next?: Exercise): string {
  const number = Number.parseInt(e.id, 10);
  const lines: string[] = [
    `<!-- Generated from labs/exercises/${e.id}.ts by \`npm run lab -- docs\`: edit that file, not this one. -->`,
    `# Exercise ${number} — ${e.title}`,
    '',
    `> Run it and have it checked: \`npm run lab -- ${e.id.slice(0, 2)}\` · live view: \`npm run watch\` · [all exercises](README.md)`,
    '',
    '## Goal',
    '',
    e.goal,
    '',
  ];
  if (e.intro) lines.push(e.intro, '');
  lines.push(
    '## Steps',
    '',
    `0. ${RESET_SAY} (\`npm run lab -- reset\` does it; by hand: the settings listed under [Configuration](../docs/configuration.md) and \`curl -s -X POST ${URLS.producer}/admin/clear-queue\`).`,
    '',
  );
  for (const [i, step] of e.steps.entries()) lines.push(...stepMarkdown(step, i + 1), '');
  lines.push(
    '## What to watch',
    '',
    `- Grafana, dashboard "Backpressure Lab": ${e.watch.panels.map((p) => `**${p}**`).join(', ')}`,
    `- Terminal view (\`npm run watch\`): ${e.watch.terminal}`,
    '',
    '## Expected',
    '',
    '| what | expected | why |',
    '|---|---|---|',
    ...e.checks.map((c) => `| ${c.what} | ${describeCheck(c)} | ${c.why ?? ''} |`),
    '',
    'The runner measures each of these and prints PASS or FAIL beside it.',
    '',
    '## The trade-off',
    '',
    `**${e.question}**`,
    '',
    '<details><summary>Answer</summary>',
    '',
    e.answer,
    '',
    '</details>',
    '',
  );
  if (e.docker) lines.push('## On the Docker stack', '', e.docker, '');
  const nav = [previous && `← [${previous.title}](${previous.id}.md)`, next && `[${next.title}](${next.id}.md) →`];
  lines.push('---', '', nav.filter(Boolean).join(' · '), '');
  return lines.join('\n');
}

function stepMarkdown(step: Step, n: number): string[] {
  switch (step.kind) {
    case 'post': {
      const url = `${URLS[step.service]}${step.path}`;
      return [`${n}. ${step.say}:`, '', '   ```bash', `   ${curlFor(url, 'POST', step.body)}`, '   ```'];
    }
    case 'watch':
      if (!step.jq) return [`${n}. ${step.say}: wait ${step.seconds} s.`];
      return [`${n}. ${step.say} (${step.seconds} s):`, '', ...pollLoop(step.seconds, step.jq)];
    case 'until':
      if (!step.jq) return [`${n}. ${step.say} (the runner waits up to ${step.timeout} s).`];
      return [`${n}. ${step.say} (the runner waits up to ${step.timeout} s):`, '', ...pollLoop(step.timeout, step.jq)];
    case 'action':
      return [`${n}. ${step.say}:`, '', '   ```bash', ...step.shown.split('\n').map((l) => `   ${l}`), '   ```'];
    case 'predict':
      return [
        `${n}. **Predict:** ${step.question}`,
        '',
        '   <details><summary>Answer</summary>',
        '',
        `   ${step.answer}`,
        '',
        '   </details>',
      ];
  }
}

/** The seed's way of watching: poll /status every 2 s and print what matters. */
function pollLoop(seconds: number, jq: string): string[] {
  const rounds = Math.max(1, Math.round(seconds / 2));
  return ['   ```bash', `   for i in {1..${rounds}}; do ${STATUS} | jq -c '${jq}'; sleep 2; done`, '   ```'];
}
