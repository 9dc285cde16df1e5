// Logs with pino. One logger per process; the service name (and INSTANCE, when set) is on every
// line, and a line written while a span is active carries its trace_id and span_id (look the
// trace up in Jaeger).
//
// LOG_FORMAT: `json` is one JSON object a line, what containers, log shippers and the tests read;
// `pretty` is one readable line per entry (pino-pretty): time, level, service, message, fields;
// `auto` (the default) is pretty when stdout is a terminal and JSON otherwise. The choice is made
// here, in the service, rather than by whoever starts it: the service alone knows whether its own
// stdout is a terminal, so `npm start`, `node dist/producer/src/main.js` and a container all get
// the right format, and a pipe (a test, `npm start | tee`) always gets JSON.
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import type { LogFormat } from './env';

export type Logger = pino.Logger;

export interface LogSettings {
  LOG_LEVEL: string;
  LOG_FORMAT?: LogFormat;
  /** Names this process among several of the same service. */
  INSTANCE?: string;
}

export function createLogger(service: string, settings: LogSettings): Logger {
  const options: pino.LoggerOptions = {
    level: settings.LOG_LEVEL,
    base: settings.INSTANCE ? { service, instance: settings.INSTANCE } : { service },
    mixin: traceFields,
  };
  return writesPretty(settings.LOG_FORMAT ?? 'auto') ? pino(options, prettyStream()) : pino(options);
}

export const writesPretty = (format: LogFormat, stdout: { isTTY?: boolean } = process.stdout): boolean =>
  format === 'pretty' || (format === 'auto' && stdout.isTTY === true);

/**
 * `12:03:04.512 INFO: producer  listening {"url":"http://127.0.0.1:8000"}`: one line per entry
 * (an error's stack below it); pino-http's line ends in `POST /admin/config → 200 in 3 ms`.
 */
function prettyStream(): pino.DestinationStream {
  // Loaded only here: a service writing JSON never loads pino-pretty.
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    sync: true, // a fatal line is written before the process exits
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,instance,req,res,responseTime',
    errorLikeObjectKeys: ['err'], // `error` is a short message here (a failed send), not an Error
    messageFormat: (log, messageKey) => {
      // `producer-2` as npm start names instances; `producer#2` for an INSTANCE that does not say.
      const instance = log.instance as string | undefined;
      const who = !instance ? `${log.service}` : instance.startsWith(`${log.service}`) ? instance : `${log.service}#${instance}`;
      const { req, res, responseTime } = log as {
        req?: { method: string; url: string };
        res?: { statusCode: number };
        responseTime?: number;
      };
      // pino-http's own line; its request is also bound to the handler's lines, which say enough.
      const request = req && res ? ` ${req.method} ${req.url} → ${res.statusCode} in ${responseTime} ms` : '';
      return `${who}  ${log[messageKey]}${request}`;
    },
  });
}

// Without tracing there is never an active span, and this is one lookup that finds none.
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
