// Settings that belong to a role (every producer, every consumer) as well as to a process, as in
// a deployment. `POST /consumers/admin/slow-down` on the supervisor goes to every consumer, and what
// it leaves them with becomes the consumers' settings: an instance started later (added by the
// autoscaler, restarted after a crash) gets them before it counts as up. A call to one instance's
// own port changes that instance only, until it restarts; describe() says which differ and how.
//
// The services stay the judges of what is valid: a body is forwarded as it is, and each
// instance's answer (a 400 naming the field, say) comes back. The role's settings are read back
// from an instance afterwards (GET /status `config`), so they are whatever the services made of
// the call, relative routes like slow-down included.
import type { Instance } from './supervisor';

export type FleetRole = 'producer' | 'consumer';
type Settings = Record<string, unknown>;

/** What one instance answered to a forwarded call. */
export interface InstanceAnswer {
  name: string;
  url: string;
  status: number;
  body: unknown;
}

/** How long describe()'s look at every instance's settings is reused (the view asks 2.5 times a second). */
const DESCRIBE_CACHE_MS = 1000;
const TIMEOUT_MS = 10_000;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function readConfig(url: string): Promise<Settings | undefined> {
  try {
    const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return res.ok ? ((await res.json()) as { config?: Settings }).config : undefined;
  } catch {
    return undefined;
  }
}

/** The fields where `config` differs from `role`, with both values; undefined when none. */
function differences(config: Settings, role: Settings): Record<string, { instance: unknown; role: unknown }> | undefined {
  const fields = Object.keys(role).filter((key) => !same(config[key], role[key]));
  return fields.length ? Object.fromEntries(fields.map((key) => [key, { instance: config[key], role: role[key] }])) : undefined;
}

export class FleetSettings {
  /** A fresh instance's settings (from the environment all of a role share), seen on the first to start. */
  private readonly defaults = new Map<FleetRole, Settings>();
  private readonly settings = new Map<FleetRole, Settings>();
  private described?: { at: number; value: Promise<unknown> };

  constructor(
    private readonly instancesOf: (role: FleetRole) => Instance[],
    private readonly adminToken?: string,
  ) {}

  /** Before an instance counts as up (started, restarted, added): it gets its role's settings. */
  async prepare(instance: Instance): Promise<void> {
    if (instance.role === 'ui') return;
    const role = instance.role;
    if (!this.defaults.has(role)) {
      const config = await readConfig(instance.url);
      if (!config) return;
      this.defaults.set(role, config);
      this.settings.set(role, config);
    }
    const patch = this.patch(role);
    if (Object.keys(patch).length === 0) return;
    const res = await fetch(`${instance.url}/admin/config`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(this.adminToken ? { Authorization: `Bearer ${this.adminToken}` } : {}) },
      body: JSON.stringify(patch),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`${instance.name} refused its role's settings: ${res.status} ${await res.text()}`);
  }

  /** The routes every instance of the role takes (`POST /admin/<route>`), from its own list at GET /. */
  async adminRoutes(role: FleetRole): Promise<string[] | undefined> {
    for (const instance of this.instancesOf(role)) {
      try {
        const res = await fetch(`${instance.url}/`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
        const { endpoints } = (await res.json()) as { endpoints: string[] };
        return endpoints.flatMap((e) => (e.startsWith('POST /admin/') ? [e.slice('POST /admin/'.length)] : []));
      } catch {
        // down or restarting: ask the next
      }
    }
    return undefined;
  }

  /**
   * Sends the call to every instance of the role at once and collects their answers. When any
   * accepted it, the role's settings become those of an instance that followed its role before
   * (so one changed by hand does not set the role's).
   */
  async forward(role: FleetRole, route: string, body: string, authorization?: string): Promise<InstanceAnswer[]> {
    const instances = this.instancesOf(role);
    const role_ = this.settings.get(role);
    const before = await Promise.all(instances.map((i) => readConfig(i.url)));
    const answers = await Promise.all(
      instances.map(async (i): Promise<InstanceAnswer> => {
        try {
          const res = await fetch(`${i.url}/admin/${route}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
            body,
            signal: AbortSignal.timeout(TIMEOUT_MS),
          });
          const text = await res.text();
          return { name: i.name, url: i.url, status: res.status, body: text ? JSON.parse(text) : null };
        } catch (err) {
          return { name: i.name, url: i.url, status: 502, body: { error: `no answer: ${(err as Error).message}` } };
        }
      }),
    );
    const accepted = instances.filter((_, n) => (answers[n]?.status ?? 500) < 300);
    const followedRole = (i: Instance) => {
      const config = before[instances.indexOf(i)];
      return config !== undefined && role_ !== undefined && !differences(config, role_);
    };
    const follower = accepted.find(followedRole) ?? accepted[0];
    if (follower && role_) {
      const after = await readConfig(follower.url);
      if (after) this.settings.set(role, Object.fromEntries(Object.keys(role_).map((key) => [key, after[key]])));
    }
    this.described = undefined;
    return answers;
  }

  /** The role's settings where they differ from a fresh instance's. */
  patch(role: FleetRole): Settings {
    const defaults = this.defaults.get(role) ?? {};
    return Object.fromEntries(Object.entries(this.settings.get(role) ?? {}).filter(([key, value]) => !same(value, defaults[key])));
  }

  /** For the supervisor's /status: each role's settings (as changed) and the instances that differ from them. */
  describe(): Promise<unknown> {
    const now = performance.now();
    if (!this.described || now - this.described.at > DESCRIBE_CACHE_MS) this.described = { at: now, value: this.look() };
    return this.described.value;
  }

  private async look() {
    const roles = await Promise.all(
      (['producer', 'consumer'] as const).map(async (role) => {
        const settings = this.settings.get(role);
        const instances = this.instancesOf(role).filter((i) => i.state === 'up');
        const configs = await Promise.all(instances.map((i) => readConfig(i.url)));
        const differing = Object.fromEntries(
          instances.flatMap((i, n) => {
            const config = configs[n];
            const diff = settings && config ? differences(config, settings) : undefined;
            return diff ? [[i.name, diff]] : [];
          }),
        );
        return [role, { changed_from_defaults: this.patch(role), instances_differing: differing }] as const;
      }),
    );
    return Object.fromEntries(roles);
  }
}
