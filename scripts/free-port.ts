// A 127.0.0.1 port that was free a moment ago: for servers that cannot listen on port 0 and
// report the port (Prometheus), or for an address where nothing listens.
import net, { type AddressInfo } from 'node:net';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
