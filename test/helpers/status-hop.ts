// A hop in front of a service: passes every GET through to it, counts the /status requests, and
// may change the /status body on the way (to show what a page does with a section a backend adds).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StatusHop {
  url: string;
  /** How many GET /status went through. */
  readonly statusRequests: number;
  close(): Promise<void>;
}

export async function startStatusHop(target: string, editStatus?: (status: any) => any): Promise<StatusHop> {
  let statusRequests = 0;
  const server = http.createServer(async (req, res) => {
    try {
      const answer = await fetch(target + req.url);
      let text = await answer.text();
      if (req.url === '/status') {
        statusRequests++;
        if (editStatus && answer.ok) text = JSON.stringify(editStatus(JSON.parse(text)));
      }
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      res.end(text);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get statusRequests() {
      return statusRequests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
