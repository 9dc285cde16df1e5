// What `npm start` runs, instance by instance: its name, its port and its environment. Producers
// take PRODUCER_PORT, PRODUCER_PORT + 2, …, consumers CONSUMER_PORT, CONSUMER_PORT + 2, …, so that
// the two roles interleave (8000, 8001, 8002, …) and the first of each keeps seed 002's port.
import type { InstanceSpec, Supervisor } from '../supervisor';
import type { StartSettings } from './settings';

/** The port of instance number n (1-based) of a role whose first instance takes `first`. */
export const nthPort = (first: number, n: number) => first + 2 * (n - 1);

export class InstanceSpecs {
  /** Where the producers and the browser view find the (first) consumer: CONSUMER_URL, else consumer-1. */
  readonly consumerUrl: string;

  constructor(
    private readonly env: StartSettings,
    private readonly supervisor: Supervisor,
  ) {
    this.consumerUrl = process.env.CONSUMER_URL ?? `http://${env.HOST}:${env.CONSUMER_PORT}`;
  }

  /** Producer number n, its heap capped at MEMORY_LIMIT_MB as in the Docker stack (Exercise 3). */
  producer(n: number): InstanceSpec {
    return {
      role: 'producer',
      name: `producer-${n}`,
      port: nthPort(this.env.PRODUCER_PORT, n),
      nodeArgs: [`--max-old-space-size=${this.env.MEMORY_LIMIT_MB}`],
      env: { CONSUMER_URL: this.consumerUrl, MEMORY_LIMIT_MB: this.env.MEMORY_LIMIT_MB },
    };
  }

  /** The lowest consumer number not in use (a scaled-down one's port is used again once it has stopped). */
  nextConsumer(): InstanceSpec {
    const used = new Set(this.supervisor.instances.filter((i) => i.role === 'consumer').map((i) => i.name));
    let n = 1;
    while (used.has(`consumer-${n}`)) n++;
    return { role: 'consumer', name: `consumer-${n}`, port: nthPort(this.env.CONSUMER_PORT, n), env: {} };
  }

  /** The browser view (`npm run ui`), pointed at the first producer and consumer, and at the supervisor for the fleet. */
  ui(supervisorUrl: string): InstanceSpec {
    return {
      role: 'ui',
      name: 'ui',
      port: this.env.UI_PORT,
      env: {
        UI_PORT: String(this.env.UI_PORT),
        PRODUCER_URL: `http://${this.env.HOST}:${this.env.PRODUCER_PORT}`,
        CONSUMER_URL: this.consumerUrl,
        LOG_LEVEL: this.env.UI_LOG_LEVEL,
        SUPERVISOR_URL: supervisorUrl,
      },
    };
  }
}
