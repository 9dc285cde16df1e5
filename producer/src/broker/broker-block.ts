// The broker's own backpressure, as a state of the producer. A node short of memory or disk
// raises an alarm, and the whole cluster then blocks every connection that publishes. Two ways
// to learn it, and either is enough:
//   - the connection itself: RabbitMQ sends connection.blocked (amqplib's 'blocked' event), but
//     only once the connection publishes during the alarm (until then the broker reports it as
//     `blocking`);
//   - the management API: each node's mem_alarm and disk_free_alarm, polled, so a producer that
//     is not publishing right now knows too, and refuses (or waits) instead of publishing into it.
// The management API's alarms lag the connection by seconds (5 s seen on a busy machine): once the
// connection says it is unblocked, alarms still listed are taken as stale until they clear.
// While blocked, BrokerQueue refuses `add` (reason broker_blocked) and addWhenRoom waits.

export interface NodeAlarm {
  node: string;
  memory: boolean;
  disk: boolean;
}

export class BrokerBlock {
  /** The connection's own reason ("low on memory"), while it is blocked. */
  private connectionReason: string | null = null;
  private alarms: NodeAlarm[] = [];
  /** The connection was unblocked while the management API still listed alarms: those are stale. */
  private alarmsStale = false;
  private since: number | null = null;
  private totalMs = 0;

  constructor(private readonly onUnblocked: () => void) {}

  get blocked(): boolean {
    return this.since !== null;
  }

  /** Why, while blocked: the connection's reason, else the nodes' alarms. */
  get reason(): string | null {
    if (!this.blocked) return null;
    if (this.connectionReason) return this.connectionReason;
    return this.alarms
      .map((a) => `${[a.memory && 'memory', a.disk && 'disk'].filter(Boolean).join(' and ')} alarm on ${a.node}`)
      .join('; ');
  }

  /** Seconds blocked, all told (the current block included). */
  seconds(): number {
    return (this.totalMs + (this.since === null ? 0 : Date.now() - this.since)) / 1000;
  }

  connectionBlocked(reason: string | null): void {
    if (reason === null && this.connectionReason !== null) this.alarmsStale = this.alarms.length > 0;
    this.connectionReason = reason;
    this.update();
  }

  /** The nodes' alarms as the management API reported them just now. */
  nodeAlarms(alarms: NodeAlarm[]): void {
    this.alarms = alarms.filter((a) => a.memory || a.disk);
    if (this.alarms.length === 0) this.alarmsStale = false;
    this.update();
  }

  private update(): void {
    const blocked = this.connectionReason !== null || (this.alarms.length > 0 && !this.alarmsStale);
    if (blocked && this.since === null) this.since = Date.now();
    if (!blocked && this.since !== null) {
      this.totalMs += Date.now() - this.since;
      this.since = null;
      this.onUnblocked();
    }
  }
}
