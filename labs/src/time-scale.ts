// Time compression for the workshop: LAB_TIME_SCALE=10 makes everything ten times faster.
// Every duration of an exercise is divided by the scale, and so is every setting that is a
// duration (the names ending in _ms); every setting that is a rate is multiplied by it. Counts
// (queue sizes, bursts, concurrency) stay as they are, so every ratio — and every queue depth —
// is the same as at scale 1: a queue that fills to 100 in 17 s fills to 100 in 1.7 s.
import { z } from 'zod';
import { consumerSettings } from '../../consumer/src/config';
import { producerSettings } from '../../producer/src/config';

/** Settings that are rates (per second). `sample_rate` is not one: it means "keep 1 in N". */
const RATE_SETTINGS = new Set(['production_rate', 'rate_limit']);
const isDuration = (key: string) => key.endsWith('_ms');

export const MAX_TIME_SCALE = 20;

/** LAB_TIME_SCALE from the environment (1 when unset); exits with a message when invalid. */
export function timeScaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const parsed = z.coerce
    .number()
    .min(1)
    .max(MAX_TIME_SCALE)
    .default(1)
    .safeParse(env.LAB_TIME_SCALE || undefined);
  if (parsed.success) return parsed.data;
  console.error(`Invalid LAB_TIME_SCALE=${JSON.stringify(env.LAB_TIME_SCALE)}: ${parsed.error.issues[0].message}`);
  process.exit(2);
}

/** A settings patch (or any request body) with its rates and durations scaled. */
export function scaleSettings(body: Record<string, unknown>, scale: number): Record<string, unknown> {
  const scaled: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'number' || scale === 1) scaled[key] = value;
    else if (RATE_SETTINGS.has(key)) scaled[key] = Math.round(value * scale * 1000) / 1000;
    // 0 stays 0: max_item_age_ms 0 means no age limit, not 1 ms.
    else if (isDuration(key)) scaled[key] = value === 0 ? 0 : Math.max(1, Math.round(value / scale));
    else scaled[key] = value;
  }
  return scaled;
}

/** Both services' defaults, read from their settings schemas (so they are defined once). */
export const DEFAULTS = {
  producer: producerSettings.parse({}),
  consumer: consumerSettings.parse({}),
};

/** How an expected number or a wait changes with the scale, by its unit. */
export type Unit = 'items/s' | 'callers/s' | 'KB/s' | 'MB/s' | 's' | 'ms' | 'items' | 'callers' | 'jobs' | 'MB' | 's/s' | '%' | '';

export function scaleValue(value: number, unit: Unit, scale: number): number {
  if (unit === 'items/s' || unit === 'callers/s' || unit === 'KB/s' || unit === 'MB/s') return value * scale;
  if (unit === 's' || unit === 'ms') return value / scale;
  return value;
}
