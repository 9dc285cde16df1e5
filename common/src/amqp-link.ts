// One AMQP connection that keeps itself up (QUEUE_BACKEND=rabbitmq, both services), to one node
// of a list (AMQP_URL may name several, comma-separated: the nodes of a cluster). A broker that is
// down at start or lost mid-run is reconnected, moving on to the next node of the list: each node
// is tried once in turn, then the round starts again after a backoff (0.2 s doubling to 5 s, with
// jitter), forever. Meanwhile `state` says why it is not connected, so /health/ready and /status
// can tell. `setup` runs on every new connection (declare the queues, open channels, start
// consuming); if it fails, the connection is closed and tried again like any other failure. A
// channel error closes the whole connection here, so there is one way back: reconnect.
//
// After losing a connection it waits RECONNECT_AFTER_LOSS_MS before the next node: on RabbitMQ
// 3.10.8, a channel whose first publish to a quorum queue falls inside the leader election that a
// node's death starts gets every later publish nacked (fixed in 3.13); waiting lets the election end.
//
// The broker's own backpressure: a node short of memory or disk blocks every publishing
// connection (connection.blocked); the link says so in `state.blocked` and emits 'blocked' and
// 'unblocked'. It emits 'failover' on each connection made after losing one.
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from './logger';

const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 5000;
/** Before connecting again after a loss (the 3.10.8 quorum-queue bug above; seen to need 0.5–2 s). */
const RECONNECT_AFTER_LOSS_MS = 500;
/** How long one connection attempt may take (TCP connect and AMQP handshake). */
const CONNECT_TIMEOUT_MS = 5000;

export interface LinkState {
  connected: boolean;
  /** When it last connected or was lost (ISO time). */
  since: string;
  last_error: string | null;
  connections: number;
  /** The node connected to now (host:port), or null. */
  node: string | null;
  /** Connections made after losing one: moves to a node of the list (another, or the same back). */
  failovers: number;
  /** The broker's reason while it blocks this connection ("low on memory", "low on disk"), else null. */
  blocked: string | null;
  /** The connection's own TCP port: how the management API names it (peer_port). */
  local_port: number | null;
}

/** The comma-separated list AMQP_URL or RABBITMQ_MANAGEMENT_URL takes. */
export const splitUrls = (urls: string) =>
  urls
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);

export class AmqpLink extends EventEmitter {
  readonly state: LinkState = {
    connected: false,
    since: new Date().toISOString(),
    last_error: null,
    connections: 0,
    node: null,
    failovers: 0,
    blocked: null,
    local_port: null,
  };
  private readonly urls: string[];
  /** The list's next node to try. */
  private next = 0;
  private model?: ChannelModel;
  private closing = false;
  private readonly wake = new AbortController();
  private loop: Promise<void> = Promise.resolve();

  constructor(
    urls: string,
    private readonly name: string,
    private readonly logger: Logger,
    /** Runs on each new connection; `lost` fires when it closes. */
    private readonly setup: (model: ChannelModel) => Promise<void>,
    /** Called when a connection that was set up is lost (not at close()). */
    private readonly onLost: () => void = () => {},
  ) {
    super();
    this.urls = splitUrls(urls);
  }

  start(): void {
    this.loop = this.run();
  }

  get connected(): boolean {
    return this.state.connected;
  }

  /** Drops the connection on purpose (a channel gone bad): the link connects again as after a loss. */
  reconnect(reason: string): void {
    this.logger.warn({ reason }, 'reconnecting to the broker on purpose');
    this.model?.close().catch(() => {});
  }

  /** Closes the connection for good (unacked deliveries go back to the queue). */
  async close(): Promise<void> {
    this.closing = true;
    this.wake.abort();
    await this.model?.close().catch(() => {});
    await this.loop;
  }

  private async run(): Promise<void> {
    let delay = FIRST_DELAY_MS;
    let failedInRound = 0;
    while (!this.closing) {
      const url = this.urls[this.next % this.urls.length] as string;
      this.next++;
      let pause: number;
      let model: ChannelModel | undefined;
      try {
        // noDelay: a publish is several small frames; Nagle's algorithm would hold them back for acks.
        const connected = await amqp.connect(url, {
          timeout: CONNECT_TIMEOUT_MS,
          noDelay: true,
          clientProperties: { connection_name: this.name },
        });
        model = connected;
        const closed = new Promise<Error | undefined>((resolve) => connected.once('close', resolve));
        model.on('error', () => {}); // 'close' follows with the same error
        model.on('blocked', (reason: string) => this.setBlocked(reason));
        model.on('unblocked', () => this.setBlocked(null));
        await this.setup(model);
        this.model = model;
        this.changed(true, null, url, model);
        this.logger.info({ broker: redactedUrl(url) }, 'broker connected');
        delay = FIRST_DELAY_MS;
        failedInRound = 0;
        const err = await closed;
        this.model = undefined;
        this.setBlocked(null);
        if (this.closing) break;
        this.changed(false, err ? err.message : 'connection closed');
        this.logger.warn({ err: this.state.last_error, broker: redactedUrl(url) }, 'broker connection lost; reconnecting');
        this.onLost();
        pause = RECONNECT_AFTER_LOSS_MS;
      } catch (err) {
        await model?.close().catch(() => {});
        const message = `${redactedUrl(url)}: ${(err as Error).message || String(err)}`;
        if (this.state.last_error !== message) this.logger.warn({ err: message, retry_in_ms: delay }, 'broker unavailable; retrying');
        this.changed(false, message);
        // The next node of the list at once; after a whole round, the backoff.
        failedInRound++;
        if (failedInRound < this.urls.length) pause = 0;
        else {
          failedInRound = 0;
          pause = delay;
          delay = Math.min(MAX_DELAY_MS, delay * 2);
        }
      }
      if (pause > 0) await sleep(pause * (0.8 + Math.random() * 0.4), undefined, { signal: this.wake.signal }).catch(() => {});
    }
  }

  private setBlocked(reason: string | null): void {
    if (reason === this.state.blocked) return;
    this.state.blocked = reason;
    if (reason !== null) {
      this.logger.warn({ reason }, 'the broker blocks publishing (its memory or disk alarm)');
      this.emit('blocked', reason);
    } else {
      this.logger.info('the broker unblocked publishing');
      this.emit('unblocked');
    }
  }

  private changed(connected: boolean, error: string | null, url?: string, model?: ChannelModel): void {
    if (connected !== this.state.connected) this.state.since = new Date().toISOString();
    if (connected && this.state.connections > 0) {
      this.state.failovers++;
      this.emit('failover');
    }
    if (connected) this.state.connections++;
    this.state.connected = connected;
    this.state.last_error = error;
    this.state.node = url ? new URL(url).host : null;
    // amqplib's socket: the management API knows the connection by this port.
    const socket = (model as unknown as { connection?: { stream?: { localPort?: number } } } | undefined)?.connection?.stream;
    this.state.local_port = socket?.localPort ?? null;
  }
}

function redactedUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}

/** Closes the connection when `channel` closes unexpectedly, so that the link reconnects. */
export function reconnectOnChannelClose(
  model: ChannelModel,
  channel: { on(event: 'close', cb: () => void): unknown; on(event: 'error', cb: (err: Error) => void): unknown },
): void {
  channel.on('error', () => {});
  channel.on('close', () => void model.close().catch(() => {}));
}
