// Free ports come from below the kernel's ephemeral range, where no outgoing connection can take
// one between the check and the server's bind (scripts/free-port.ts says why).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { freePortRun } from './helpers/free-port';

const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test('a run of free ports lies below the ephemeral range, and a server can listen on each', async () => {
  const base = await freePortRun(5);
  assert.ok(base >= 10_000 && base + 4 < ephemeralStart, `${base}…${base + 4} below ${ephemeralStart}`);
  const servers = [];
  for (let port = base; port < base + 5; port++) {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    servers.push(server);
  }
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});
