// Why a write failed, as one short reason: the label of backpressure_db_errors_total, the key of
// /status's errors_by_reason. PostgreSQL's SQLSTATE codes where there is one, pg's messages where not.
export const DB_ERROR_REASONS = [
  'pool_full',
  'acquire_timeout',
  'query_timeout',
  'statement_timeout',
  'connection',
  'connection_refused',
  'too_many_connections',
  'undefined_table',
  'other',
] as const;
export type DbErrorReason = (typeof DB_ERROR_REASONS)[number];

/** Refused by the lab's own bound on waiting callers (db_max_waiting), before pg saw the call. */
export class PoolFullError extends Error {
  constructor(waiting: number) {
    super(`${waiting} writes already wait for a connection (db_max_waiting)`);
  }
}

/** Reasons that mean "come back later" (a 429) rather than "the database failed" (a 503). */
export const isRefusal = (reason: DbErrorReason) => reason === 'pool_full' || reason === 'acquire_timeout';

/** Reasons after which no write can succeed until the database is back: readiness says 503 meanwhile. */
export const makesUnready = (reason: DbErrorReason) =>
  reason === 'connection' || reason === 'connection_refused' || reason === 'too_many_connections' || reason === 'undefined_table';

export function errorReason(err: unknown): DbErrorReason {
  if (err instanceof PoolFullError) return 'pool_full';
  const { code, message = '' } = err as { code?: string; message?: string };
  if (message.includes('timeout exceeded when trying to connect')) return 'acquire_timeout';
  if (message.includes('Query read timeout')) return 'query_timeout';
  if (code === '57014') return 'statement_timeout';
  if (code === '42P01') return 'undefined_table';
  if (code === '53300') return 'too_many_connections';
  // 3D000 no such database, 28xxx authentication, 55000 ALLOW_CONNECTIONS false: it answers, and says no.
  if (code === '3D000' || code === '55000' || code?.startsWith('28')) return 'connection_refused';
  if (
    code === '57P01' || // terminated by the administrator (a shutdown)
    code === '57P03' || // starting up or shutting down
    code?.startsWith('08') ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT'].includes(code ?? '') ||
    /Connection terminated|connection.*(closed|ended)|not queryable/i.test(message)
  )
    return 'connection';
  return 'other';
}
