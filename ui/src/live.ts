// The live feed: one scrape of the services per interval, however many browsers watch, turned
// into one frame that is serialized once and written to every open Server-Sent Events stream.
// It scrapes only while a browser is connected; the last minutes of chart points stay in
// memory, so a page opened later starts with them.
import type { Response } from 'express';
import type { Logger } from '../../common/src/logger';
import type { ItemTiming } from '../../common/src/slowest-window';
import { type FleetView, FleetWatch } from '../../labs/src/fleet';
import { getJson } from '../../labs/src/get-json';
import type { Urls } from '../../labs/src/services';
import { takeSnapshot } from '../../labs/src/snapshot';
import { WatchModel } from '../../labs/src/watch-model';
import { fleetFrame, isSeveral, withFleetTotals } from './fleet-frame';
import { CHART_COLUMNS, type ChartPoint, chartPoint, panelOf, settingsOf } from './frame';

export interface LiveOptions {
  urls: Urls;
  /** How often the services are scraped and a frame is sent. */
  intervalMs: number;
  /** Chart points kept for pages that open later. */
  historySeconds: number;
  logger: Logger;
  /** `npm start`'s supervisor, when there is one: the fleet is every instance it runs. */
  supervisorUrl?: string;
}

/** The slowest items are asked for this often (they change slowly, and the answer is larger). */
const SLOWEST_EVERY_MS = 2000;
/** The fleet (every instance's /status) is read and sent this often. */
const FLEET_EVERY_MS = 2000;

export class Live {
  private readonly clients = new Set<Response>();
  private readonly model: WatchModel;
  private readonly history: ChartPoint[] = [];
  /** The latest event of each kind that is not a frame, replayed to a page that connects. */
  private readonly latest = new Map<string, string>();
  private running = false;
  private lastSlowestAt = -Infinity;
  private lastSettings = '';
  private readonly fleet: FleetWatch;
  private lastFleetAt = -Infinity;
  private lastFleet?: FleetView;
  private fleetBusy = false;

  constructor(private readonly options: LiveOptions) {
    this.model = new WatchModel(options.urls);
    // Without a supervisor the fleet is the one producer and consumer (the address never answers).
    this.fleet = new FleetWatch(options.supervisorUrl ?? 'http://127.0.0.1:0', options.urls);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Makes `res` an event stream: the history first, then every frame until the page goes. */
  attach(res: Response): void {
    res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write(`retry: 2000\n\n${event('history', { columns: CHART_COLUMNS, points: this.history })}`);
    for (const text of this.latest.values()) res.write(text);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    if (!this.running) void this.run();
  }

  /** Sends `data` to every page now, and to pages that connect later (until the next of its kind). */
  publish(kind: string, data: unknown): void {
    const text = event(kind, data);
    this.latest.set(kind, text);
    this.write(text);
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }

  private async run(): Promise<void> {
    this.running = true;
    // Nobody watched for a while: a point of nothing, so the charts show a gap rather than a line across it.
    const last = this.history.at(-1);
    if (last) this.history.push(CHART_COLUMNS.map((name) => (name === 't' ? (last[0] ?? 0) + this.options.intervalMs / 1000 : null)));
    try {
      while (this.clients.size > 0) {
        const started = performance.now();
        await this.tick();
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.options.intervalMs - (performance.now() - started))));
      }
    } catch (err) {
      this.options.logger.error({ err }, 'live feed stopped');
    } finally {
      this.running = false;
    }
  }

  private async tick(): Promise<void> {
    const state = this.model.update(await takeSnapshot(this.options.urls, { histograms: false }));
    const several = this.lastFleet && isSeveral(this.lastFleet) ? this.lastFleet : undefined;
    const point = several ? withFleetTotals(chartPoint(state), several) : chartPoint(state);
    this.history.push(point);
    const oldest = state.time.getTime() / 1000 - this.options.historySeconds;
    while ((this.history[0]?.[0] ?? 0) < oldest) this.history.shift();
    this.write(event('frame', { point, panel: { ...panelOf(state), several: several !== undefined } }));
    const settings = settingsOf(state);
    if (settings && JSON.stringify(settings) !== this.lastSettings) {
      this.lastSettings = JSON.stringify(settings);
      this.publish('settings', settings);
    }
    // Beside the frames, never holding them up; one look at a time.
    if (!this.fleetBusy && performance.now() - this.lastFleetAt >= FLEET_EVERY_MS) {
      this.lastFleetAt = performance.now();
      this.fleetBusy = true;
      // Without a supervisor the fleet is the two services this frame has just read.
      const known = { producer: state.producer.status, consumer: state.consumer.status };
      void this.fleet
        .look(known)
        .then((view) => {
          this.lastFleet = view;
          if (view) this.publish('fleet', fleetFrame(view));
        })
        .catch((err) => this.options.logger.warn({ err }, 'fleet look failed'))
        .finally(() => {
          this.fleetBusy = false;
        });
    }
    if (state.producer.up && performance.now() - this.lastSlowestAt >= SLOWEST_EVERY_MS) {
      this.lastSlowestAt = performance.now();
      await this.sendSlowest(state.producer.status?.backend.kind === 'rabbitmq');
    }
  }

  /**
   * The slowest items of the last minute: from the producer, which sees every delivery in memory;
   * on the broker it sees none, and each consumer keeps its own, merged here.
   */
  private async sendSlowest(onBroker: boolean): Promise<void> {
    const consumers = this.lastFleet?.instances.filter((i) => i.role === 'consumer' && i.state === 'up').map((i) => i.url);
    const sources = onBroker ? (consumers ?? [this.options.urls.consumer]) : [this.options.urls.producer];
    // A service gone between two looks gives nothing: the frame says so.
    const answers = await Promise.all(
      sources.map((url) => getJson<{ items: ItemTiming[] }>(`${url}/recent-items?seconds=60&limit=8`).catch(() => undefined)),
    );
    const items: ItemTiming[] = answers
      .flatMap((a) => (a?.status === 200 ? a.body.items : []))
      .sort((a, b) => b.total_ms - a.total_ms)
      .slice(0, 8);
    this.publish('slowest', { seconds: 60, items });
  }
}

const event = (kind: string, data: unknown) => `event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;
