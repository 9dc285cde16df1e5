// `npm start`'s settings: read from the environment, checked, and refused with a message naming
// what is wrong (the process exits 1 before anything starts).
import { z } from 'zod';
import { brokerEnv, readEnv, serviceEnv } from '../../common/src/env';

const count = (fallback: number) => z.coerce.number().int().min(1).max(16).default(fallback);
const flag = z
  .enum(['0', '1', 'true', 'false'])
  .default('0')
  .transform((v) => v === '1' || v === 'true');
const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

const startSettings = z.object({
  ...brokerEnv,
  HOST: z.string().min(1).default('127.0.0.1'),
  PRODUCER_PORT: port(8000),
  CONSUMER_PORT: port(8001),
  SUPERVISOR_PORT: port(8090),
  UI_PORT: port(8080),
  /** The browser view's request log stays out of this terminal unless asked for. */
  UI_LOG_LEVEL: z.string().default('warn'),
  MEMORY_LIMIT_MB: z.string().default('256'),
  LOG_LEVEL: serviceEnv.LOG_LEVEL,
  LOG_FORMAT: serviceEnv.LOG_FORMAT,
  PRODUCERS: count(1),
  CONSUMERS: count(1),
  AUTOSCALE: flag,
  MIN_CONSUMERS: count(1),
  MAX_CONSUMERS: count(4),
  TARGET_ITEMS_PER_CONSUMER: z.coerce.number().int().min(1).max(1_000_000).default(100),
  SCALE_COOLDOWN_S: z.coerce.number().min(0).max(3600).default(10),
});

export type StartSettings = z.infer<typeof startSettings>;

function refuse(message: string): never {
  console.error(message);
  process.exit(1);
}

/** The settings, or the process ends with a message: several instances need the broker. */
export function readStartSettings(): StartSettings {
  const env = readEnv(startSettings);
  if (env.QUEUE_BACKEND !== 'rabbitmq' && (env.PRODUCERS > 1 || env.CONSUMERS > 1 || env.AUTOSCALE)) {
    refuse(
      'PRODUCERS, CONSUMERS and AUTOSCALE need the broker: in memory each producer holds its own queue, so\n' +
        'two producers would be two labs, not one queue with competing consumers. Start RabbitMQ\n' +
        '(`npm run rabbitmq`) and run QUEUE_BACKEND=rabbitmq PRODUCERS=2 CONSUMERS=3 npm start.',
    );
  }
  if (env.AUTOSCALE && env.MIN_CONSUMERS > env.MAX_CONSUMERS)
    refuse(`MIN_CONSUMERS=${env.MIN_CONSUMERS} is greater than MAX_CONSUMERS=${env.MAX_CONSUMERS}`);
  return env;
}
