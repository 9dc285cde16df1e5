// A stand-in for Jaeger's OTLP/HTTP endpoint (no Jaeger runs here): a server on 127.0.0.1 that
// takes what @opentelemetry/exporter-trace-otlp-http sends — POST /v1/traces with an OTLP JSON
// body (ids as hex strings, times as nanosecond strings) — and keeps the spans for assertions.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
}

export interface OtlpReceiver {
  /** What OTEL_EXPORTER_OTLP_ENDPOINT should be set to. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Requests that were not a decodable OTLP JSON trace export. */
  rejected: string[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const rejected: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`${req.method} ${req.url}`);
        if (!String(req.headers['content-type']).startsWith('application/json'))
          throw new Error(`content-type ${req.headers['content-type']}`);
        spans.push(...decode(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      } catch (err) {
        rejected.push(String(err));
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    rejected,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

function decode(body: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service: String(resource['service.name']),
          name: s.name,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          kind: s.kind,
          startMs: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000,
          endMs: Number(BigInt(s.endTimeUnixNano) / 1000n) / 1000,
          attributes: attributes(s.attributes),
          status: s.status ?? {},
        });
      }
    }
  }
  return out;
}

function attributes(list: { key: string; value: OtlpValue }[] = []): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list) {
    out[key] = value.stringValue ?? value.boolValue ?? value.doubleValue ?? Number(value.intValue);
  }
  return out;
}
