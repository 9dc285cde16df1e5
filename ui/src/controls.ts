// The page's buttons, carried out by this server: each is one of the requests the exercises make,
// sent to the service with the learner's token (when the page has one), and answered with the
// exact curl command that does the same from a terminal.
//
// Why through this server and not from the browser straight to the services: the services send
// no CORS headers (a page on :8080 could not read their answers, nor send a JSON POST with an
// Authorization header without a preflight they do not answer), and in Docker the browser cannot
// reach the URLs the server uses (http://producer:8000). The token stays in the page's memory and
// travels only in this request's Authorization header; it is never written into the page.
import { z } from 'zod';
import { curlFor, describeError, type ServiceName, type Urls } from '../../labs/src/services';
import { DEFAULTS, scaleSettings } from '../../labs/src/time-scale';

/** The requests a button may make: the admin routes of the exercises, nothing else. */
export const ALLOWED: Record<ServiceName, readonly string[]> = {
  producer: ['/admin/config', '/admin/clear-queue', '/produce'],
  consumer: ['/admin/config', '/admin/slow-down', '/admin/speed-up', '/admin/pause', '/admin/resume'],
};

const settingValue = z.union([z.string().max(100), z.number(), z.boolean()]);

export const commandBody = z
  .strictObject({
    service: z.enum(['producer', 'consumer']),
    path: z.string().max(100),
    body: z.record(z.string().max(100), settingValue).optional(),
  })
  .refine((c) => ALLOWED[c.service].includes(c.path), { path: ['path'], message: "not one of the lab's admin routes" })
  .refine((c) => Object.keys(c.body ?? {}).length <= 40, { path: ['body'], message: 'at most 40 settings' });

export type Command = z.infer<typeof commandBody>;

export interface CommandResult {
  curl: string;
  /** The service's HTTP status; 0 when it could not be reached. */
  status: number;
  body: unknown;
  at: number;
}

/**
 * Sends `command` to its service at `urls`, with `authorization` (the page's Bearer header) when
 * given; the curl command names the service at `shownUrls`. Under `npm start` (`fleetUrl`, its
 * supervisor) an admin call goes to every instance of the role: POST <fleetUrl>/consumers/admin/….
 */
export async function sendCommand(
  urls: Urls,
  shownUrls: Urls,
  command: Command,
  authorization?: string,
  fleetUrl?: string,
): Promise<CommandResult> {
  const toFleet = fleetUrl !== undefined && command.path.startsWith('/admin/');
  const target = (base: Urls) => (toFleet ? `${fleetUrl}/${command.service}s${command.path}` : `${base[command.service]}${command.path}`);
  const url = target(urls);
  const curl = withToken(curlFor(target(shownUrls), 'POST', command.body), authorization !== undefined);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (authorization) headers.Authorization = authorization;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(command.body ?? {}),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: shown as text
    }
    return { curl, status: res.status, body, at: Date.now() };
  } catch (err) {
    return { curl, status: 0, body: { error: `${command.service} not reachable: ${describeError(err)}` }, at: Date.now() };
  }
}

/** What `npm run lab -- reset` sends: both services' defaults (time-scaled), then an empty queue. */
export function resetCommands(scale: number): Command[] {
  return [
    { service: 'consumer', path: '/admin/config', body: scaleSettings(DEFAULTS.consumer, scale) as Command['body'] },
    { service: 'producer', path: '/admin/config', body: scaleSettings(DEFAULTS.producer, scale) as Command['body'] },
    { service: 'producer', path: '/admin/clear-queue' },
  ];
}

/** The curl line with the token as a shell variable: the command teaches, and the screen shows no secret. */
function withToken(curl: string, token: boolean): string {
  return token ? curl.replace('curl -s -X POST', 'curl -s -X POST -H "Authorization: Bearer $ADMIN_TOKEN"') : curl;
}
