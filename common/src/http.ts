// The HTTP edge both services share: JSON bodies whatever the Content-Type, a small body
// limit, request logs, and one error shape: {"error": "...", "field": "...", "reason": "..."}.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import pinoHttp from 'pino-http';
import type { z } from 'zod';
import type { Logger } from './logger';

export const BODY_LIMIT = '64kb';
/** BODY_LIMIT in bytes: the producer fills a batch for the consumer up to it. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/**
 * The consumer's /process carries an item, whose payload may be as large as the producer's
 * largest `payload_bytes` (1,000,000): its bodies may be that big, plus room for the other fields.
 */
export const ITEM_BODY_LIMIT = '1100kb';
const ITEM_ROUTES = ['/process']; // /process-batch bodies are capped by the producer at BODY_LIMIT
/**
 * Deepest nesting a JSON body may have. 64 KB of `[[[[...` parses fine, but any code that later
 * recurses into it (JSON.stringify, a logger, a validator) would overflow the stack: refuse it here.
 */
export const MAX_BODY_DEPTH = 64;

/** An error that becomes an HTTP response as it is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Validates `input` (a body, or {} when there was none) or throws a 400 naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.length ? issue.path.join('.') : 'body';
  throw new HttpError(400, `invalid ${field}: ${issue.message}`, { field, reason: issue.message });
}

/**
 * Paths hit many times a second (polling, and one /process per item, including its injected
 * failures and 429s): logged at debug level, so the info log shows what people did, not every item.
 */
const QUIET_PATHS = new Set([
  '/metrics',
  '/status',
  '/health',
  '/health/live',
  '/health/ready',
  '/process',
  '/process-batch',
  '/recent-items',
]);

/** Routes that change a service's state or make load: guarded by ADMIN_TOKEN when it is set. */
const ADMIN_ROUTES = ['/admin', '/produce'];

export function createApp(logger: Logger, adminToken?: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // answers are live state: hashing each one for an ETag is work for nothing
  const requestLogger = pinoHttp({
    logger,
    customLogLevel: (req, res, err) => {
      if (err) return 'error';
      if (QUIET_PATHS.has((req as Request).path ?? req.url ?? '')) return 'debug'; // counted in metrics instead
      // Under overload a 429 is the expected answer, thousands a second: counted in metrics, and
      // logged at debug so that shedding load does not cost a log line each (node --cpu-prof).
      if (res.statusCode === 429) return 'debug';
      return res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
    },
  });
  // Below debug level the quiet paths skip pino-http: it serializes every request into a child
  // logger even when it logs nothing, a tenth of the consumer's CPU per /process (node --cpu-prof).
  const quietPathsLogged = logger.isLevelEnabled('debug');
  app.use((req, res, next) => {
    if (quietPathsLogged || !QUIET_PATHS.has(req.path)) return requestLogger(req, res, next);
    req.log = logger;
    next();
  });
  // Before the body parser: a request without the token is refused before its body is read.
  if (adminToken) app.use(ADMIN_ROUTES, requireBearer(adminToken));
  // People paste `curl -d '{...}'` without a Content-Type header: parse every body as JSON.
  // An item route's body is read by its own parser; the general one then finds it already read.
  const json = (limit: string) => express.json({ type: () => true, limit, strict: false });
  app.use(ITEM_ROUTES, json(ITEM_BODY_LIMIT));
  app.use(json(BODY_LIMIT));
  app.use((req, _res, next) => {
    if (nestedDeeperThan(req.body, MAX_BODY_DEPTH)) {
      throw new HttpError(400, `body nested deeper than ${MAX_BODY_DEPTH} levels`, { field: 'body', reason: 'nested too deeply' });
    }
    next();
  });
  return app;
}

/** Whether `value` has objects or arrays nested more than `max` levels deep (walked without recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * Lets a request through only with `Authorization: Bearer <token>`; else 401. The two values are
 * compared as SHA-256 digests with timingSafeEqual: equal lengths, and the time taken says
 * nothing about how much of the token was right.
 */
export function requireBearer(token: string): RequestHandler {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const expected = digest(token);
  return (req, res, next) => {
    const given = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (timingSafeEqual(digest(given), expected)) return next();
    res
      .set('WWW-Authenticate', 'Bearer')
      .status(401)
      .json({
        error: 'this route needs Authorization: Bearer <ADMIN_TOKEN>',
        field: 'authorization',
        reason: given ? 'wrong token' : 'missing token',
      });
  };
}

/** Turns thrown errors into JSON responses; must be added after the routes. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  void _next;
  if (err instanceof HttpError) {
    res
      .set(err.headers)
      .status(err.status)
      .json({ error: err.message, ...err.details });
    return;
  }
  const status = typeof err?.status === 'number' ? err.status : 500;
  if (err?.type === 'entity.parse.failed') {
    res.status(400).json({ error: 'malformed JSON body', field: 'body', reason: String(err.message) });
  } else if (err?.type === 'entity.too.large') {
    res.status(413).json({ error: `body larger than ${err.limit} bytes`, field: 'body', reason: 'too large' });
  } else if (status >= 400 && status < 500) {
    res.status(status).json({ error: String(err.message ?? 'bad request'), field: 'body' });
  } else {
    req.log?.error({ err }, 'unhandled error');
    res.status(500).json({ error: 'internal error' });
  }
};

/** Answers 404 in the same JSON shape for unknown routes. */
export const notFound: express.RequestHandler = (req, res) => {
  res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
};

/** Aborts when the client closes the request before it was answered. */
export function abortWhenClientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) gone.abort();
  });
  return gone.signal;
}

/** Retry-After as seconds or an HTTP date, in ms; 0 when absent or unreadable. */
export function parseRetryAfter(value: unknown): number {
  if (typeof value !== 'string' || value === '') return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 0;
}
