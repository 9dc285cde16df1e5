// Starting and stopping an HTTP server the same way in both services.
import http, { type Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from './logger';

export interface Listening {
  server: Server;
  url: string;
}

/**
 * Slow or stuck clients must not hold sockets forever. Both limits cover only *receiving* the
 * request (a body is at most 64 KB), never the time a handler takes to answer; a client too slow
 * gets a 408 and its connection is closed. Node checks them every `connectionsCheckingInterval`.
 */
export const SERVER_TIMEOUTS = {
  headersTimeout: 5_000,
  requestTimeout: 10_000,
  connectionsCheckingInterval: 1_000,
  keepAliveTimeout: 65_000,
};

export function listen(app: Express, host: string, port: number, logger: Logger): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const { keepAliveTimeout, ...options } = SERVER_TIMEOUTS;
    const server = http.createServer(options, app);
    server.keepAliveTimeout = keepAliveTimeout;
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
      logger.info({ url }, 'listening');
      resolve({ server, url });
    });
    server.listen(port, host);
  });
}

/**
 * Logs an unhandled rejection or uncaught exception as one fatal line whose message is the
 * event's name (the fault tests look for it), then exits: after either, the process state is
 * unknown, exactly as with Node's default behaviour, which this only makes visible in the log.
 */
export function exitOnProcessFault(logger: Logger): void {
  for (const event of ['unhandledRejection', 'uncaughtException'] as const) {
    process.on(event, (err: unknown) => {
      logger.fatal({ err }, event);
      process.exit(1);
    });
  }
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits with its code. */
export function onShutdownSignal(logger: Logger, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop(signal).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
}

/** Closes the server, giving open keep-alive connections a chance to finish first. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}
