// The broker's gauges on the producer's /metrics: each is read when Prometheus scrapes.
import { Gauge, type Registry } from 'prom-client';

export interface BrokerReadings {
  depth(): number;
  unacked(): number;
  connected(): boolean;
  blocked(): boolean;
  blockedSeconds(): number;
  flow(): boolean;
}

export function registerBrokerGauges(registry: Registry, read: BrokerReadings): void {
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  const flag = (on: boolean) => (on ? 1 : 0);
  gauge('backpressure_broker_queue_depth', 'Ready messages in the broker queue lab.items', read.depth);
  gauge('backpressure_broker_unacked_messages', 'Messages delivered to consumers and not yet acknowledged', read.unacked);
  gauge('backpressure_broker_connected', '1 while connected to the broker', () => flag(read.connected()));
  gauge('backpressure_broker_blocked', '1 while the broker blocks publishing (its memory or disk alarm)', () => flag(read.blocked()));
  gauge('backpressure_broker_blocked_seconds', 'Seconds the broker blocked publishing, all told', read.blockedSeconds);
  gauge('backpressure_broker_flow', "1 while the broker's credit flow throttles the connection (management API: state flow)", () =>
    flag(read.flow()),
  );
}
