// JSON logs with pino. One logger per process; the service name is on every line.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(service: string, level: string): Logger {
  return pino({ level, base: { service } });
}
