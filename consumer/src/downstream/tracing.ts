// The `db write` span: a child of the item's process_item span (the context active while the
// consumer processes it), with OpenTelemetry's database attributes (both the current names and
// the older ones that Jaeger and many tools still show: db.system / db.statement).
import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('backpressure-lab-consumer');

export interface DbTarget {
  database: string;
  user: string;
  host: string;
  port: number;
}

export function traceDbWrite<T>(target: DbTarget, sql: string, itemId: string, write: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    'db write',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system': 'postgresql',
        'db.system.name': 'postgresql',
        'db.namespace': target.database,
        'db.name': target.database,
        'db.user': target.user,
        'db.operation.name': 'INSERT',
        'db.operation': 'INSERT',
        'db.collection.name': 'items',
        'db.sql.table': 'items',
        'db.query.text': sql,
        'db.statement': sql,
        'server.address': target.host,
        'server.port': target.port,
        'item.id': itemId,
      },
    },
    async (span) => {
      try {
        return await write(span);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
