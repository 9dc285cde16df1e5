// A stand-in for Jaeger in the tracing figure: accepts OTLP/HTTP exports on 127.0.0.1, answers
// 200 with an empty ExportTraceServiceResponse, and counts what it got.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  url: string;
  exports: number;
  bytes: number;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const server = http.createServer((req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/v1/traces')) {
        sink.exports++;
        sink.bytes += size;
      }
      const json = (req.headers['content-type'] ?? '').includes('json');
      res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sink: OtlpSink = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: 0,
    bytes: 0,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return sink;
}
