// 127.0.0.1 ports that were free a moment ago: for servers that cannot listen on port 0 and
// report the port (Prometheus, RabbitMQ, PostgreSQL, npm start's instances), or for an address
// where nothing listens.
//
// They are chosen below the kernel's ephemeral range (ip_local_port_range, 32768–60999 on
// Linux), never from it: any outgoing connection on the machine may take an ephemeral port
// between the moment it is checked here and the moment its server binds it, which for RabbitMQ is
// seconds later. CI once lost a whole cluster that way: a node's port was the local end of some
// test's HTTP request when the node came to listen on it.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const LOWEST = 10_000;
const ephemeralStart = (() => {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return low > LOWEST + 1_000 ? low : 32_768;
  } catch {
    return 32_768; // not Linux: Linux's default
  }
})();

/** Whether a server could listen on 127.0.0.1:port just now. */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A free port below the ephemeral range. */
export function freePort(): Promise<number> {
  return freePortRun(1);
}

/** A port p such that p … p + span − 1 were all free a moment ago, all below the ephemeral range. */
export async function freePortRun(span: number): Promise<number> {
  // Random, so that test files running side by side rarely try the same ports.
  for (;;) {
    const base = LOWEST + Math.floor(Math.random() * (ephemeralStart - LOWEST - span));
    let free = true;
    for (let port = base; port < base + span && free; port++) free = await portFree(port);
    if (free) return base;
  }
}
