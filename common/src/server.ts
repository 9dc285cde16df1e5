// Starting and stopping an HTTP server the same way in both services.
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from './logger';

export interface Listening {
  server: Server;
  url: string;
}

export function listen(app: Express, host: string, port: number, logger: Logger): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
      // Slow or stuck clients must not hold sockets forever.
      server.requestTimeout = 30_000;
      server.headersTimeout = 10_000;
      server.keepAliveTimeout = 65_000;
      logger.info({ url }, 'listening');
      resolve({ server, url });
    });
  });
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
