// Relative links in markdown pages, checked the way GitHub renders them: the file (or folder) a
// link points at must exist, and a `#anchor` into a markdown page must name one of its headings.
// Links inside fenced code blocks and inline code are not links, and neither are http(s) or mailto
// addresses (nothing here reaches the internet).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface BrokenLink {
  file: string;
  link: string;
  problem: string;
}

/** Markdown text with fenced code blocks blanked out (kept as empty lines) and inline code removed. */
function proseOf(text: string): string[] {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, '');
  });
}

/** Link targets of a page: [text](target), ![alt](target) and [label]: target definitions. */
export function linkTargets(text: string): string[] {
  const targets: string[] = [];
  for (const line of proseOf(text)) {
    for (const [, target] of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(target!);
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (definition) targets.push(definition[1]!);
  }
  return targets;
}

/**
 * GitHub's anchor for a heading (the rule github-slugger implements): the rendered text in lower
 * case, every character that is not a letter, mark, number, connector (`_`), hyphen or space
 * removed, each space made a hyphen; a repeated anchor gets -1, -2, … in order.
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const slug = slugOf(renderedText(heading[1]!));
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const [, id] of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(id!);
  }
  return anchors;
}

/** What a heading shows: link text without its address, code without backticks, no emphasis marks. */
function renderedText(markdown: string): string {
  const withoutLinks = markdown.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
  // Odd pieces are inside backticks: shown as they are; emphasis marks only count outside them.
  return withoutLinks
    .split('`')
    .map((piece, i) => (i % 2 === 1 ? piece : piece.replace(/\*\*|\*|__|(?<![\p{L}\p{N}])_(?=\S)|(?<=\S)_(?![\p{L}\p{N}])/gu, '')))
    .join('');
}

export function slugOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The broken relative links of one page, `text` read from `file` (which need not exist). */
export function brokenLinks(file: string, text: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const link of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
    const [target = '', anchor] = link.split('#', 2);
    const resolved = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
    if (target !== '' && !existsSync(resolved)) {
      broken.push({ file, link, problem: `${path.relative(process.cwd(), resolved)} does not exist` });
      continue;
    }
    if (anchor === undefined || !resolved.endsWith('.md')) continue;
    const page = target === '' ? text : readFileSync(resolved, 'utf8');
    if (!headingAnchors(page).has(decodeURIComponent(anchor))) broken.push({ file, link, problem: `no heading #${anchor}` });
  }
  return broken;
}
