// One AMQP connection that keeps itself up (QUEUE_BACKEND=rabbitmq, both services). A broker that
// is down at start or lost mid-run is reconnected with exponential backoff (0.2 s doubling to 5 s,
// with jitter), forever; meanwhile `state` says why it is not connected, so /health/ready and
// /status can tell. `setup` runs on every new connection (declare the queues, open channels,
// start consuming); if it fails, the connection is closed and tried again like any other failure.
// A channel error closes the whole connection here, so there is one way back: reconnect.
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from './logger';

const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 5000;
/** How long one connection attempt may take (TCP connect and AMQP handshake). */
const CONNECT_TIMEOUT_MS = 5000;

export interface LinkState {
  connected: boolean;
  /** When it last connected or was lost (ISO time). */
  since: string;
  last_error: string | null;
  connections: number;
}

export class AmqpLink {
  readonly state: LinkState = { connected: false, since: new Date().toISOString(), last_error: null, connections: 0 };
  private model?: ChannelModel;
  private closing = false;
  private readonly wake = new AbortController();
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly logger: Logger,
    /** Runs on each new connection; `lost` fires when it closes. */
    private readonly setup: (model: ChannelModel) => Promise<void>,
    /** Called when a connection that was set up is lost (not at close()). */
    private readonly onLost: () => void = () => {},
  ) {}

  start(): void {
    this.loop = this.run();
  }

  get connected(): boolean {
    return this.state.connected;
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
    while (!this.closing) {
      let model: ChannelModel | undefined;
      try {
        // noDelay: a publish is several small frames; Nagle's algorithm would hold them back for acks.
        const connected = await amqp.connect(this.url, {
          timeout: CONNECT_TIMEOUT_MS,
          noDelay: true,
          clientProperties: { connection_name: this.name },
        });
        model = connected;
        const closed = new Promise<Error | undefined>((resolve) => connected.once('close', resolve));
        model.on('error', () => {}); // 'close' follows with the same error
        await this.setup(model);
        this.model = model;
        this.changed(true, null);
        this.logger.info({ broker: this.redactedUrl() }, 'broker connected');
        delay = FIRST_DELAY_MS;
        const err = await closed;
        this.model = undefined;
        if (this.closing) break;
        this.changed(false, err ? err.message : 'connection closed');
        this.logger.warn({ err: this.state.last_error }, 'broker connection lost; reconnecting');
        this.onLost();
      } catch (err) {
        await model?.close().catch(() => {});
        const message = (err as Error).message || String(err);
        if (this.state.last_error !== message) this.logger.warn({ err: message, retry_in_ms: delay }, 'broker unavailable; retrying');
        this.changed(false, message);
      }
      await sleep(delay * (0.8 + Math.random() * 0.4), undefined, { signal: this.wake.signal }).catch(() => {});
      delay = Math.min(MAX_DELAY_MS, delay * 2);
    }
  }

  private changed(connected: boolean, error: string | null): void {
    if (connected !== this.state.connected) this.state.since = new Date().toISOString();
    if (connected) this.state.connections++;
    this.state.connected = connected;
    this.state.last_error = error;
  }

  private redactedUrl(): string {
    const url = new URL(this.url);
    if (url.password) url.password = '***';
    return url.toString();
  }
}

/** Closes the connection when `channel` closes unexpectedly, so that the link reconnects. */
export function reconnectOnChannelClose(
  model: ChannelModel,
  channel: { on(event: 'close', cb: () => void): unknown; on(event: 'error', cb: (err: Error) => void): unknown },
): void {
  channel.on('error', () => {});
  channel.on('close', () => void model.close().catch(() => {}));
}
