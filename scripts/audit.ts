// `npm run audit:prod` (run by .ci/run before the tests): `npm audit --omit=dev`, failing on any
// high or critical advisory that is not in .ci/audit-exceptions.json. Each exception names the
// advisory's URL and why it cannot be fixed yet:
//   [{ "advisory": "https://github.com/advisories/GHSA-…", "reason": "…" }]
// When the registry's audit endpoint cannot be reached (an offline or proxied machine) nothing can
// be checked: that is said loudly, and it fails only with AUDIT_REQUIRED=1.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface Advisory {
  title: string;
  url: string;
  severity: string;
  name: string;
}

const root = path.resolve(__dirname, '../..');
const exceptions: { advisory: string; reason: string }[] = JSON.parse(readFileSync(path.join(root, '.ci/audit-exceptions.json'), 'utf8'));

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8' });
let report: { vulnerabilities?: Record<string, { via: (Advisory | string)[] }>; message?: string };
try {
  report = JSON.parse(run.stdout);
} catch {
  report = { message: run.stderr.trim() || 'no output' };
}

if (!report.vulnerabilities) {
  console.error(`npm audit: could not check, the advisory endpoint did not answer (${report.message ?? run.stderr.trim()})`);
  process.exit(process.env.AUDIT_REQUIRED === '1' ? 1 : 0);
}

// Advisories are listed under the package they affect (`via` objects); entries for packages
// that merely depend on one only repeat its name (`via` strings).
const serious = new Map<string, Advisory>();
for (const { via } of Object.values(report.vulnerabilities)) {
  for (const advisory of via) {
    if (typeof advisory === 'object' && ['high', 'critical'].includes(advisory.severity)) serious.set(advisory.url, advisory);
  }
}
const excepted = new Set(exceptions.map((e) => e.advisory));
const open = [...serious.values()].filter((a) => !excepted.has(a.url));
for (const a of serious.values()) {
  console.log(`${excepted.has(a.url) ? 'excepted' : 'FOUND'}: ${a.severity} ${a.name} — ${a.title} (${a.url})`);
}
console.log(`npm audit --omit=dev: ${serious.size} high/critical, ${serious.size - open.length} excepted, ${open.length} open`);
process.exit(open.length ? 1 : 0);
