// `npm run soak`: the long soak (SOAK_SECONDS, default 600) — bounded mode at twice the consumer's
// capacity; prints a sample every 10 s, then the RSS curve and the verdict. Exit code 1 on failure.
import { rssCurve, runSoak, SOAK_BOUND } from './helpers/soak';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
if (!Number.isInteger(seconds) || seconds < 20 || seconds > 24 * 3600) {
  console.error(`SOAK_SECONDS must be a whole number of seconds from 20 to 86400, not ${process.env.SOAK_SECONDS}`);
  process.exit(1);
}
// Warm-up: a tenth of the run, at least 10 s — V8 sizes its heap and the sockets open meanwhile.
const warmup = Math.max(10, Math.round(seconds / 10));

console.log(`soak: ${seconds} s, warm-up ${warmup} s, 200 items/s into a bounded queue (${SOAK_BOUND}) drained at 100/s`);
runSoak(seconds, warmup, (line) => console.log(line)).then(
  (r) => {
    console.log(`RSS curve: ${rssCurve(r)}`);
    console.log(
      `after warm-up: RSS ${r.rss.min}–${r.rss.max} MB, peak ${r.rss.firstHalfPeak} → ${r.rss.secondHalfPeak} MB ` +
        `(${(r.rssGrowth * 100).toFixed(1)}%); ` +
        `active handles ${r.handles.min}–${r.handles.max}; max queue ${r.maxQueue}/${SOAK_BOUND}; ` +
        `produced ${r.produced}, sent ${r.sent}, rejected ${r.rejected}`,
    );
    console.log(r.failures.length ? `FAILED:\n  ${r.failures.join('\n  ')}` : 'PASSED');
    process.exit(r.failures.length ? 1 : 0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
