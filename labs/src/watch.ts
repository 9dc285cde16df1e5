// `npm run watch`: the live terminal view of both services (seed 003's visualizer, done
// properly), and of every instance when `npm start` runs several (watch-instances.ts). Reads only GET /status and GET /metrics, so it needs no Grafana; redraws 2.5
// times a second; keeps going while a service is down and says so.
// Options: --once prints one frame and exits (no colour when not on a terminal).
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetWatch } from './fleet';
import { colorWanted } from './format';
import { urlsFromEnv } from './services';
import { takeSnapshot } from './snapshot';
import { renderInstances, supervisorUrlFromEnv } from './watch-instances';
import { WatchModel } from './watch-model';
import { renderFrame } from './watch-render';

const REFRESH_MS = 400;
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const HOME = '\x1b[H';
const CLEAR_TO_END = '\x1b[J';
const CLEAR_LINE_END = '\x1b[K';

async function main(): Promise<void> {
  const urls = urlsFromEnv();
  const model = new WatchModel(urls);
  const out = process.stdout;
  const options = () => ({ width: out.columns ?? 120, color: colorWanted(out) });
  // With several instances (`PRODUCERS=2 CONSUMERS=3 npm start`): a line each, and the totals.
  const instances = new FleetWatch(supervisorUrlFromEnv());
  const withInstances = async (frame: string) => {
    const view = await instances.look();
    return view ? `${frame}\n\n${renderInstances(view, options().color).join('\n')}` : frame;
  };

  if (process.argv.includes('--once')) {
    await takeSnapshot(urls, { histograms: false }).then((s) => model.update(s)); // a first look, so rates have a base
    await instances.look();
    await sleep(1000);
    out.write(`${await withInstances(renderFrame(model.update(await takeSnapshot(urls, { histograms: false })), options()))}\n`);
    return;
  }

  if (out.isTTY) {
    out.write(`${HIDE_CURSOR}\x1b[2J`);
    process.on('exit', () => out.write(SHOW_CURSOR));
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
  for (;;) {
    const started = performance.now();
    const frame = await withInstances(renderFrame(model.update(await takeSnapshot(urls, { histograms: false })), options()));
    // Overwrite in place (no flicker): each line clears its own rest, then everything below.
    if (out.isTTY) out.write(`${HOME}${frame.split('\n').join(`${CLEAR_LINE_END}\n`)}${CLEAR_LINE_END}\n${CLEAR_TO_END}`);
    else out.write(`${frame}\n\n`);
    await sleep(Math.max(0, REFRESH_MS - (performance.now() - started)));
  }
}

main().catch((err) => {
  if (process.stdout.isTTY) process.stdout.write(SHOW_CURSOR);
  console.error(err);
  process.exit(1);
});
