// Every relative link in README.md, labs/*.md and docs/*.md leads somewhere: the file exists, and
// an anchor into a markdown page names one of its headings (by GitHub's rules). The checker is
// also shown a page with broken links, so that this test can fail.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { brokenLinks, headingAnchors, linkTargets, slugOf } from './helpers/markdown-links';

const ROOT = path.resolve(__dirname, '../..'); // from dist/test

function pages(): string[] {
  const inFolder = (folder: string) =>
    readdirSync(path.join(ROOT, folder))
      .filter((name) => name.endsWith('.md'))
      .map((name) => path.join(ROOT, folder, name));
  return [path.join(ROOT, 'README.md'), ...inFolder('labs'), ...inFolder('docs')];
}

test('every relative link in README.md, labs/ and docs/ resolves, anchors included', () => {
  const all = pages();
  assert.ok(all.length >= 1 + 33 + 10, `${all.length} pages`);
  const broken = all.flatMap((file) => brokenLinks(file, readFileSync(file, 'utf8')));
  const links = all.reduce((n, file) => n + linkTargets(readFileSync(file, 'utf8')).length, 0);
  assert.ok(links > 100, `only ${links} links found: is the link pattern still right?`);
  assert.deepEqual(
    broken.map((b) => `${path.relative(ROOT, b.file)}: (${b.link}) ${b.problem}`),
    [],
  );
});

test('the checker catches a missing file, a missing heading in another page and in its own', () => {
  const page = [
    '# A page',
    '',
    '[fine](../README.md), [fine too](../docs/performance.md#performance), [here](#a-page), [web](https://example.org/x)',
    '[gone](no-such-file.md) and ![gone too](no-such-picture.png)',
    '[wrong heading](../README.md#no-such-heading) and [wrong here](#nowhere)',
    '[defined]: ../labs/missing.md',
    '`[in code](not-a-link.md)`',
    '```',
    '[in a fence](not-a-link-either.md)',
    '```',
  ].join('\n');
  const broken = brokenLinks(path.join(ROOT, 'docs', 'in-memory.md'), page).map((b) => b.link);
  assert.deepEqual(broken, ['no-such-file.md', 'no-such-picture.png', '../README.md#no-such-heading', '#nowhere', '../labs/missing.md']);
});

test("anchors follow GitHub's slug rules", () => {
  // The anchors GitHub gave the README's headings before the split, and those of the labs pages.
  assert.equal(slugOf('Strategies (`queue_mode`)'), 'strategies-queue_mode');
  assert.equal(slugOf('Quick start with Docker (the full stack)'), 'quick-start-with-docker-the-full-stack');
  assert.equal(slugOf('Exercise 1 — Baseline: 10 items/s against 20'), 'exercise-1--baseline-10-itemss-against-20');
  assert.equal(slugOf("Grafana's admin"), 'grafanas-admin');
  const anchors = headingAnchors(
    ['# Strategies (`queue_mode`)', '## **Bold** and _emphasis_ ##', '## Notes', '```', '# not a heading', '```', '## Notes'].join('\n'),
  );
  assert.deepEqual([...anchors], ['strategies-queue_mode', 'bold-and-emphasis', 'notes', 'notes-1']);
});
