// Generated markdown (the exercise pages, the Performance table) is written as Biome formats it
// (padded tables, …), so that `npm run format` leaves it as it is and the tests that find a page
// stale compare like with like.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..'); // from dist/scripts: where biome.json is

/** `text` as `biome format` prints it for a file at `file` (Biome is a devDependency: maintainers only). */
export function formatMarkdown(text: string, file: string): string {
  const biome = require.resolve('@biomejs/biome/bin/biome');
  const result = spawnSync(process.execPath, [biome, 'format', `--stdin-file-path=${path.relative(ROOT, file)}`], {
    cwd: ROOT,
    input: text,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`biome format ${file} failed: ${result.stderr}`);
  return result.stdout;
}
