// Run-time settings, defined once per service as a zod object with defaults. The same schema
// reads the environment at start (PRODUCTION_RATE for production_rate, ...) and validates every
// POST /admin/config, so a knob has one name, one range and one default everywhere.
import type { z } from 'zod';
import { HttpError } from './http';

export type SettingsSchema = z.ZodObject<Record<string, z.ZodType>>;

/** Settings from the environment: each key read from its UPPER_CASE variable. Exits on a bad one. */
export function settingsFromEnv<S extends SettingsSchema>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key.toUpperCase()];
    if (value !== undefined) raw[key] = parseEnvValue(value);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0] ?? '').toUpperCase();
    console.error(`Invalid environment variable ${variable}=${JSON.stringify(env[variable])}: ${issue.message}`);
  }
  process.exit(1);
}

/**
 * Applies a partial update to `current` and validates the result as a whole (so rules across
 * fields hold too). Throws a 400 naming the field; `current` is never modified.
 */
export function applyPatch<S extends SettingsSchema>(schema: S, current: z.infer<S>, patch: unknown): z.infer<S> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new HttpError(400, 'body must be a JSON object', { field: 'body', reason: 'expected an object' });
  }
  // Own keys only: `"toString" in shape` is true through the prototype.
  const unknown = Object.keys(patch).filter((key) => !Object.hasOwn(schema.shape, key));
  if (unknown.length) {
    throw new HttpError(400, `unknown setting: ${unknown.join(', ')}`, {
      field: unknown.join(', '),
      reason: 'unknown setting',
      known: Object.keys(schema.shape),
    });
  }
  const result = schema.safeParse({ ...current, ...patch });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.') || 'body';
  throw new HttpError(400, `invalid ${field}: ${issue.message}`, { field, reason: issue.message });
}

/** Fields whose value differs between two settings objects. */
export function changedFields<T extends object>(before: T, after: T): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) if (before[key] !== after[key]) changed[key] = after[key];
  return changed;
}

// "10" → 10, "true" → true, "bounded" → "bounded": the schema then checks the type and range.
function parseEnvValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed === '') return value;
  try {
    return JSON.parse(trimmed);
  } catch {
    return value;
  }
}
