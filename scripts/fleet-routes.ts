// The supervisor's fleet routes: `POST /producers/admin/<route>` and `POST /consumers/admin/<route>`
// send the same body to every instance of the role (fleet-settings.ts) and answer with what each
// said. The status is theirs when they all agree (200, or the 400 every one gave a bad body), 207
// when they did not. A route the services do not have is refused here with 404, sent to none.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetRole, FleetSettings } from './fleet-settings';

const ROUTE = /^\/(producers|consumers)\/admin\/([^/?#]*)$/;
/** The services' own body limit (common/src/http.ts). */
const MAX_BODY_BYTES = 64 * 1024;

const answer = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Handles the request when it is a fleet route (true), else leaves it to the caller (false). */
export async function handleFleetRoute(fleet: FleetSettings, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const match = ROUTE.exec(req.url ?? '');
  if (!match) return false;
  const role: FleetRole = match[1] === 'producers' ? 'producer' : 'consumer';
  const route = match[2] ?? '';
  if (req.method !== 'POST') {
    answer(res, 405, { error: `use POST /${match[1]}/admin/${route}`, field: 'method' });
    return true;
  }
  const body = await readBody(req);
  if (body === undefined) {
    answer(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes`, field: 'body' });
    return true;
  }
  const routes = await fleet.adminRoutes(role);
  if (!routes) {
    answer(res, 503, { error: `no ${role} answers now; try again when one is up` });
    return true;
  }
  if (!routes.includes(route)) {
    answer(res, 404, {
      error: `unknown route: every ${role} takes ${routes.map((r) => `/${match[1]}/admin/${r}`).join(', ')}`,
      field: 'route',
      known: routes,
    });
    return true;
  }
  const instances = await fleet.forward(role, route, body, req.headers.authorization);
  const statuses = [...new Set(instances.map((i) => i.status))];
  const status = statuses.length === 1 ? (statuses[0] ?? 207) : 207;
  answer(res, status, { role, route, instances, role_settings: fleet.patch(role) });
  return true;
}
