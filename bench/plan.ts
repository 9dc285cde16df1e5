// How long and how big each figure runs. `npm run bench` uses FULL (about 25 minutes on 2 cores: 1,459 s
// on 2026-12-06, of which 300 s the broker's scale-out figure, which parks a million items in
// RabbitMQ, 390 s the database figure and 240 s goodput);
// BENCH_QUICK=1 runs every figure once, small and short, to check the bench itself works.
export interface Plan {
  quick: boolean;
  /** Runs per figure; the figure is their median. */
  runs: number;
  /** The whole bench is stopped (and fails) after this. */
  budgetSeconds: number;
  rate: {
    rates: number[];
    /**
     * Seconds each run counts produced items. The count moves in whole items, so at 10/s a
     * 10 s window resolves 1% (one item in 100); faster rates resolve it in 3 s.
     */
    windowSeconds: (rate: number) => number;
  };
  delivery: {
    /** Items put in the queue (consumer paused) before each run: more than warm-up + window take. */
    fill: number;
    batchFill: number;
    warmupSeconds: number;
    windowSeconds: number;
    /** Requests in flight: the lab's default (2 senders, 2 consumer slots), then saturated. */
    inFlight: number[];
    /** send_batch_size and sender_concurrency for the batched run. */
    batchSize: number;
    batchSenders: number;
  };
  memory: { payloads: number[]; counts: [number, number]; warmup: number };
  responsiveness: { queued: number; generatorRate: number; windowSeconds: number; requestsPerSecond: number };
  rejection: { windowSeconds: number; connections: number; maxQueueSize: number };
  /** Open-arrival callers left waiting for admission, per run. */
  waitingCallers: number;
  /** CPU at the defaults is read over this long (the 60 s). */
  idle: { seconds: number };
  /** Items queued at once for the stall and memory-after-clear figures. */
  burst: { count: number; switchWindowSeconds: number; settleSeconds: number };
  /** Each pool size's lab and bare-pg runs (figures/downstream.ts). */
  downstream: { warmupSeconds: number; windowSeconds: number };
}

const FULL: Plan = {
  quick: false,
  runs: 3,
  // + the database figure (figures/downstream.ts: four paths at three pool sizes), + the broker's
  // scale-out figure (figures/scale-out.ts): a million items to publish; + its job outcomes figure;
  // + goodput (figures/goodput.ts)
  budgetSeconds: 600 + 420 + 240 + 60 + 420,
  rate: { rates: [10, 100, 1000, 10_000], windowSeconds: (rate) => (rate < 100 ? 10 : 3) },
  delivery: {
    fill: 40_000,
    batchFill: 400_000,
    warmupSeconds: 0.5,
    windowSeconds: 3,
    inFlight: [2, 16],
    batchSize: 50,
    batchSenders: 8,
  },
  memory: { payloads: [1024, 100], counts: [100_000, 1_000_000], warmup: 20_000 },
  responsiveness: { queued: 1_000_000, generatorRate: 5000, windowSeconds: 3, requestsPerSecond: 100 },
  rejection: { windowSeconds: 2, connections: 10, maxQueueSize: 1000 },
  waitingCallers: 10_000,
  idle: { seconds: 60 },
  burst: { count: 100_000, switchWindowSeconds: 1, settleSeconds: 30 },
  downstream: { warmupSeconds: 1, windowSeconds: 3 },
};

const QUICK: Plan = {
  quick: true,
  runs: 1,
  // Generous for what it does (134 s on an idle machine here): test/bench.test.ts runs it at the
  // lowest CPU priority beside other test files, and with one core kept busy it took 228–277 s.
  budgetSeconds: 800,
  rate: { rates: [10, 100, 1000, 10_000], windowSeconds: () => 0.5 },
  delivery: { ...FULL.delivery, fill: 10_000, batchFill: 20_000, warmupSeconds: 0.2, windowSeconds: 0.5 },
  memory: { payloads: [1024, 100], counts: [2000, 10_000], warmup: 2000 },
  responsiveness: { queued: 20_000, generatorRate: 5000, windowSeconds: 0.5, requestsPerSecond: 100 },
  rejection: { ...FULL.rejection, windowSeconds: 0.5 },
  waitingCallers: 2000,
  idle: { seconds: 2 },
  burst: { count: 10_000, switchWindowSeconds: 0.3, settleSeconds: 2 },
  downstream: { warmupSeconds: 0.2, windowSeconds: 0.5 },
};

export const planFor = (quick: boolean): Plan => (quick ? QUICK : FULL);
