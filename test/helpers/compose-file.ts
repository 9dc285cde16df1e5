// docker-compose.yml as Compose reads it, without an engine: the YAML with its variables taken
// from .env beside it (where every image version is kept), as `docker compose config` would
// interpolate them. Shell variables are left out on purpose, so the tests see what a fresh
// checkout runs; `overrides` stands in for them (QUEUE_BACKEND=rabbitmq, for instance).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const ROOT = path.resolve(__dirname, '../../..');
export const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
export const ENV_FILE = path.join(ROOT, '.env');

/** .env's KEY=VALUE lines (comments and blank lines skipped; no quoting is used in it). */
export function readEnvFile(file = ENV_FILE): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`${file}: not KEY=VALUE: ${line}`);
    vars[match[1]] = match[2];
  }
  return vars;
}

/**
 * `text` with Compose's interpolation: $$ is a dollar, ${VAR}, ${VAR:-default} and ${VAR-default}.
 * An unset variable without a default throws (Compose would warn and use ""), and so does any
 * other form, so the file cannot use one these tests do not understand.
 */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([^}]*)\}|\$([A-Za-z_]\w*)/g, (whole, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const match = /^([A-Za-z_]\w*)(?:(:?-)(.*))?$/s.exec(braced ?? bare!);
    if (!match) throw new Error(`unsupported interpolation ${whole} in: ${text}`);
    const [, name, operator, fallback] = match;
    const value = vars[name];
    if (operator === ':-' && !value) return fallback;
    if (operator === '-' && value === undefined) return fallback;
    if (value === undefined) throw new Error(`${name} is neither in .env nor given a default (in: ${text})`);
    return value;
  });
}

/** Every string in `value`, interpolated (Compose interpolates values, not keys). */
function interpolateAll(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars)]));
  }
  return value;
}

/** docker-compose.yml as written (variables not replaced). */
export const readRawCompose = (): any => parse(readFileSync(COMPOSE_FILE, 'utf8'));

/** docker-compose.yml with .env's variables (and `overrides`, as if set in the shell) replaced. */
export function readCompose(overrides: Record<string, string> = {}): any {
  return interpolateAll(readRawCompose(), { ...readEnvFile(), ...overrides });
}
