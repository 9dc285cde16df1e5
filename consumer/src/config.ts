// Everything the consumer can be told, with its range and default. Environment variables use the
// UPPER_CASE names (PROCESSING_TIME_MS=100); POST /admin/config takes the same names in lower case.
import { z } from 'zod';
import { brokerEnv, readEnv, serviceEnv } from '../../common/src/env';
import { settingsFromEnv } from '../../common/src/settings';
import { downstreamEnv, downstreamSettingsShape } from './downstream/settings';

const ms = () => z.number().int().min(0).max(600_000);

export const consumerSettings = z
  .object({
    processing_time_ms: ms().default(100),
    variable_processing: z.boolean().default(false),
    processing_min_ms: ms().default(50),
    processing_max_ms: ms().default(200),
    /** Requests processed at once; more get a 429 (seed 004's semaphore). */
    max_concurrency: z.number().int().min(1).max(10_000).default(2),
    /** Probability that an item fails with a 500 (fault injection). */
    failure_rate: z.number().min(0).max(1).default(0),
    /** When true, requests are held (not answered) until it is false again. */
    paused: z.boolean().default(false),
    /** The database behind the consumer (DOWNSTREAM=postgres; ignored otherwise): downstream/settings.ts. */
    ...downstreamSettingsShape,
  })
  .refine((s) => s.processing_min_ms <= s.processing_max_ms, {
    path: ['processing_min_ms'],
    message: 'must not be greater than processing_max_ms',
  });

export type ConsumerSettings = z.infer<typeof consumerSettings>;

const consumerEnv = z.object({
  ...serviceEnv,
  ...brokerEnv,
  ...downstreamEnv,
  PORT: z.coerce.number().int().min(0).max(65_535).default(8001),
});

export function loadConsumerConfig(env: NodeJS.ProcessEnv = process.env) {
  return { env: readEnv(consumerEnv, env), settings: settingsFromEnv(consumerSettings, env) };
}

/** Mean time one item takes with these settings, in ms. */
export const meanProcessingMs = (s: ConsumerSettings) =>
  s.variable_processing ? (s.processing_min_ms + s.processing_max_ms) / 2 : s.processing_time_ms;

/** Items per second the consumer can finish: concurrency × 1000 / mean processing time. */
export const capacityPerSecond = (s: ConsumerSettings) => s.max_concurrency * (1000 / Math.max(meanProcessingMs(s), 1));
