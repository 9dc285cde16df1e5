// The soak: both services for `seconds` at twice the consumer's capacity in bounded mode, sampled
// once a second. After warm-up the producer's RSS must stay flat, its active handles must not creep
// up, and the queue must never exceed its bound. Used by `npm run soak` (test/soak.ts, 10 minutes
// by default) and, shortened, by test/soak.test.ts in CI.
//
// "Flat" compares peaks: the highest RSS of the second half of the run (after warm-up) may be at
// most 10% above the highest of the first half. Sample by sample RSS is not flat even without a
// leak: V8 grows its heap for a minute or two, then its memory reducer compacts it and gives pages
// back (measured: 76–111 MB over 300 s while the used heap stayed 17–30 MB). A leak raises every
// peak; the sawtooth does not.
import { assertBalanced, assertNoProcessFault, sleep, startLab, watchQueue } from './services';

/** Consumer: 2 at a time × 1000 / 20 ms = 100 items/s. Producer: 200 items/s into a bounded queue. */
export const SOAK_BOUND = 200;
const PRODUCER = { PRODUCTION_RATE: '200', QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: String(SOAK_BOUND), PAYLOAD_BYTES: '1024' };
const CONSUMER = { PROCESSING_TIME_MS: '20', MAX_CONCURRENCY: '2' };
/** The second half's RSS peak may be this much above the first half's. */
const RSS_GROWTH = 0.1;
/** Active handles (sockets, timers) may vary this much after warm-up: a leak grows without end. */
const HANDLES_SLACK = 10;

export interface SoakSample {
  second: number;
  rss_mb: number;
  heap_used_mb: number;
  active_resources: number;
  queue: number;
  consumer_rss_mb: number;
}

export interface SoakResult {
  samples: SoakSample[];
  warmupSeconds: number;
  /** Lowest and highest RSS after warm-up, and the peak of each half. */
  rss: { min: number; max: number; firstHalfPeak: number; secondHalfPeak: number };
  /** secondHalfPeak / firstHalfPeak − 1. */
  rssGrowth: number;
  handles: { min: number; max: number };
  maxQueue: number;
  produced: number;
  sent: number;
  rejected: number;
  failures: string[];
}

export async function runSoak(seconds: number, warmupSeconds: number, log: (line: string) => void = () => {}): Promise<SoakResult> {
  const lab = await startLab(PRODUCER, CONSUMER);
  const queue = watchQueue(lab.producer, 100, (seconds + 5) * 1000);
  const samples: SoakSample[] = [];
  const failures: string[] = [];
  try {
    const started = performance.now();
    for (let second = 1; second <= seconds; second++) {
      await sleep(Math.max(0, started + second * 1000 - performance.now()));
      const [p, c] = await Promise.all([lab.producer.get('/status'), lab.consumer.get('/status')]);
      const sample = {
        second,
        rss_mb: p.process.memory_mb,
        heap_used_mb: p.process.heap_used_mb,
        active_resources: p.process.active_resources,
        queue: p.queue.size,
        consumer_rss_mb: c.process.memory_mb,
      };
      samples.push(sample);
      if (second % 10 === 0 || second === seconds) log(JSON.stringify(sample));
    }
    const final = await lab.producer.get('/status');
    try {
      assertBalanced(final);
      assertNoProcessFault(lab.producer, lab.consumer);
    } catch (err) {
      failures.push(String(err));
    }
    const steady = samples.filter((s) => s.second > warmupSeconds);
    const peak = (part: SoakSample[]) => Math.max(...part.map((s) => s.rss_mb));
    const half = Math.floor(steady.length / 2);
    const rss = {
      min: Math.min(...steady.map((s) => s.rss_mb)),
      max: peak(steady),
      firstHalfPeak: peak(steady.slice(0, half)),
      secondHalfPeak: peak(steady.slice(half)),
    };
    const rssGrowth = rss.secondHalfPeak / rss.firstHalfPeak - 1;
    const handleCounts = steady.map((s) => s.active_resources);
    const handles = { min: Math.min(...handleCounts), max: Math.max(...handleCounts) };
    const maxQueue = await queue.stop();
    if (rssGrowth > RSS_GROWTH) {
      failures.push(`RSS peak grew ${(rssGrowth * 100).toFixed(1)}%: ${rss.firstHalfPeak} → ${rss.secondHalfPeak} MB`);
    }
    if (handles.max - handles.min > HANDLES_SLACK) failures.push(`active handles varied ${handles.min}–${handles.max}`);
    if (maxQueue > SOAK_BOUND) failures.push(`queue reached ${maxQueue}, above its bound ${SOAK_BOUND}`);
    const a = final.accounting;
    if (a.sent < seconds * 50) failures.push(`only ${a.sent} items delivered in ${seconds} s (capacity 100/s)`);
    return {
      samples,
      warmupSeconds,
      rss,
      rssGrowth,
      handles,
      maxQueue,
      produced: a.produced,
      sent: a.sent,
      rejected: a.rejected,
      failures,
    };
  } finally {
    await queue.stop();
    await lab.stop();
  }
}

/** The RSS curve in `points` evenly spaced samples: "second: MB" pairs. */
export function rssCurve(result: SoakResult, points = 12): string {
  const step = Math.max(1, Math.floor(result.samples.length / points));
  return result.samples
    .filter((_, i) => i % step === step - 1)
    .map((s) => `${s.second}s:${s.rss_mb}MB`)
    .join(' ');
}
