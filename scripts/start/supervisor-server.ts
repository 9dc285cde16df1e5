// The supervisor's own HTTP server: GET /status (every instance, restarts, the autoscaler's state,
// the instances that differ from their role's settings), GET /health, GET /metrics, GET
// /sd/producer, /sd/consumer for Prometheus's HTTP service discovery
// (`SUPERVISOR_URL=http://127.0.0.1:8090 npm run prometheus`), and the fleet routes
// POST /producers/admin/<route>, /consumers/admin/<route> (../fleet-routes.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Autoscaler } from '../autoscaler';
import { handleFleetRoute } from '../fleet-routes';
import type { FleetSettings } from '../fleet-settings';
import type { Supervisor } from '../supervisor';

export interface SupervisorServerParts {
  supervisor: Supervisor;
  registry: Registry;
  autoscaler: Autoscaler | undefined;
  fleet: FleetSettings;
}

/** Listens on host:port (0: any free port) and resolves with its URL; it does not keep the process alive. */
export function serveSupervisor(
  { supervisor, registry, autoscaler, fleet }: SupervisorServerParts,
  host: string,
  port: number,
): Promise<string> {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
      return;
    }
    const sd = /^\/sd\/(producer|consumer)$/.exec(req.url ?? '');
    if (sd) {
      // Prometheus HTTP service discovery: one group per instance.
      const groups = supervisor
        .of(sd[1] as 'producer' | 'consumer')
        .map((i) => ({ targets: [new URL(i.url).host], labels: { instance: i.name } }));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(groups));
      return;
    }
    if (await handleFleetRoute(fleet, req, res)) return;
    if (req.url !== '/status' && req.url !== '/health') {
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: 'not found: try GET /status, GET /metrics, POST /producers/admin/… or POST /consumers/admin/…' }));
      return;
    }
    const body =
      req.url === '/health'
        ? { status: 'healthy', service: 'supervisor' }
        : {
            service: 'supervisor',
            instances: supervisor.describe(),
            autoscaler: autoscaler?.describe() ?? { enabled: false },
            fleet: await fleet.describe(),
          };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.unref();
      resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
    });
  });
}
