// `npm run ui`: the live browser view of the lab on http://127.0.0.1:8080 (UI_PORT). Like
// `npm run watch` it reads only the services' /status and /metrics (and the producer's
// /recent-items), at PRODUCER_URL and CONSUMER_URL; `npm start` runs it beside the services.
import { z } from 'zod';
import { readEnv, serviceEnv } from '../../common/src/env';
import { createLogger } from '../../common/src/logger';
import { closeServer, exitOnProcessFault, listen, onShutdownSignal } from '../../common/src/server';
import { MAX_TIME_SCALE } from '../../labs/src/time-scale';
import { createUiApp } from './app';
import { Live } from './live';

const url = z.url().transform((u) => u.replace(/\/+$/, ''));

const uiEnv = z.object({
  HOST: serviceEnv.HOST,
  UI_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PRODUCER_URL: url.default('http://127.0.0.1:8000'),
  CONSUMER_URL: url.default('http://127.0.0.1:8001'),
  /**
   * The services as a learner's terminal reaches them, for the curl commands the page shows, when
   * that differs from where this server reaches them (in Docker: http://producer:8000 here,
   * http://localhost:8000 there).
   */
  PUBLIC_PRODUCER_URL: url.optional(),
  PUBLIC_CONSUMER_URL: url.optional(),
  /** Where a slow item's trace id links to (Jaeger's UI). */
  JAEGER_URL: url.default('http://127.0.0.1:16686'),
  /** `npm start`'s supervisor: the view then shows every instance, and its buttons act on all of a role. */
  SUPERVISOR_URL: url.optional(),
  LAB_TIME_SCALE: z.coerce.number().min(1).max(MAX_TIME_SCALE).default(1),
  /** How often the services are read and the pages updated. */
  UI_REFRESH_MS: z.coerce.number().int().min(100).max(10_000).default(500),
  LOG_LEVEL: serviceEnv.LOG_LEVEL,
  LOG_FORMAT: serviceEnv.LOG_FORMAT,
});

async function main(): Promise<void> {
  const env = readEnv(uiEnv);
  const logger = createLogger('ui', env);
  exitOnProcessFault(logger);
  const urls = { producer: env.PRODUCER_URL, consumer: env.CONSUMER_URL };
  const live = new Live({ urls, intervalMs: env.UI_REFRESH_MS, historySeconds: 300, logger, supervisorUrl: env.SUPERVISOR_URL });
  const shownUrls = { producer: env.PUBLIC_PRODUCER_URL ?? urls.producer, consumer: env.PUBLIC_CONSUMER_URL ?? urls.consumer };
  const app = createUiApp({
    urls,
    shownUrls,
    fleetUrl: env.SUPERVISOR_URL,
    scale: env.LAB_TIME_SCALE,
    jaegerUrl: env.JAEGER_URL,
    live,
    logger,
  });
  const { server } = await listen(app, env.HOST, env.UI_PORT, logger);
  logger.info({ producer: urls.producer, consumer: urls.consumer }, 'browser view started');
  onShutdownSignal(logger, () => closeServer(server));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
