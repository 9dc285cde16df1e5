// Reads a service's fixed environment (host, port, URLs) once, at start, through a zod schema.
// A bad value stops the service with a message that names the variable.
import { z } from 'zod';

export function readEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? 'environment');
    console.error(`Invalid environment variable ${name}=${JSON.stringify(env[name])}: ${issue.message}`);
  }
  process.exit(1);
}

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The variables both services read. */
export const serviceEnv = {
  HOST: z.string().min(1).default('127.0.0.1'),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** Share of items whose trace is recorded (parent-based: the consumer follows the producer). */
  TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json, pretty, or auto: pretty when stdout is a terminal (common/src/logger.ts). */
  LOG_FORMAT: z.enum(LOG_FORMATS).default('auto'),
  /** When set, /admin/* and /produce need `Authorization: Bearer <ADMIN_TOKEN>`. */
  ADMIN_TOKEN: z.string().min(1).optional(),
  /**
   * Which copy of the service this process is (`npm start` with PRODUCERS/CONSUMERS sets
   * producer-1, producer-2, …): the `instance` label on its metrics, in /status and its logs.
   */
  INSTANCE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." and "-" only (at most 64)')
    .optional(),
};

/** This process's instance name: INSTANCE, or `<service>-1` when it runs alone. */
export const instanceName = (service: string, env: { INSTANCE?: string }) => env.INSTANCE ?? `${service}-1`;

/**
 * Where the queue lives (both services read it): `memory`, the producer's own heap (the default),
 * or `rabbitmq`, a durable queue in RabbitMQ at AMQP_URL.
 */
export const QUEUE_BACKENDS = ['memory', 'rabbitmq'] as const;
export type QueueBackend = (typeof QUEUE_BACKENDS)[number];

/** One URL, or several separated by commas (the nodes of a cluster), each with one of `schemes`. */
const urlsWithScheme = (schemes: string[], fallback: string) =>
  z
    .string()
    .refine(
      (urls) => {
        const list = urls.split(',').map((url) => url.trim());
        return list.length > 0 && list.every((url) => URL.canParse(url) && schemes.includes(new URL(url).protocol));
      },
      `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}, or several separated by commas`,
    )
    .default(fallback);

/** classic: one node holds the queue; quorum: replicated on every node of a cluster (Raft). */
export const QUEUE_TYPES = ['classic', 'quorum'] as const;
export type QueueType = (typeof QUEUE_TYPES)[number];

export const brokerEnv = {
  QUEUE_BACKEND: z.enum(QUEUE_BACKENDS).default('memory'),
  /** One node's URL, or every node's of a cluster, comma-separated: the services move to the next when one dies. */
  AMQP_URL: urlsWithScheme(['amqp:', 'amqps:'], 'amqp://guest:guest@127.0.0.1:5672'),
  QUEUE_TYPE: z.enum(QUEUE_TYPES).default('classic'),
};

/** The producer also sets policies and reads queue counts, which only the management HTTP API can. */
export const managementEnv = {
  RABBITMQ_MANAGEMENT_URL: urlsWithScheme(['http:', 'https:'], 'http://guest:guest@127.0.0.1:15672'),
};
