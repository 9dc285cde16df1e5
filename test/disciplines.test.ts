// The queue disciplines' promises, with numbers, on the real in-memory queue (ItemQueue) driven by
// a clock of the test's own (deterministic: no timers, no sleeping).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pastDeadline } from '../common/src/goodput-meter';
import { createDiscipline, type DisciplineSettings } from '../producer/src/discipline';
import { AdaptiveLifo } from '../producer/src/discipline/adaptive-lifo';
import { CoDel } from '../producer/src/discipline/codel';
import { createItem, type Item } from '../producer/src/item';
import { ItemQueue } from '../producer/src/queue';

const DEFAULTS: DisciplineSettings = {
  queue_discipline: 'fifo',
  codel_target_ms: 5,
  codel_interval_ms: 100,
  lifo_queue_threshold: 10,
  lifo_age_ms: 100,
};

/** A queue on a clock the test moves, with the given discipline; drops are collected. */
function clockedQueue(settings: Partial<DisciplineSettings>) {
  const clock = { now: 1_000_000 };
  const queue = new ItemQueue(
    () => 0,
    () => clock.now,
  );
  queue.useDiscipline(() => createDiscipline({ ...DEFAULTS, ...settings }));
  const dropped: Item[] = [];
  queue.onDisciplineDrop = (item) => dropped.push(item);
  return { clock, queue, dropped };
}

test('CoDel: drops start one interval after the sojourn time went above target, then at interval / sqrt(count)', () => {
  const { clock, queue, dropped } = clockedQueue({ queue_discipline: 'codel' });
  for (let i = 0; i < 1000; i++) queue.push(createItem(0));
  const start = clock.now;
  clock.now += 1000; // every item has waited 1 s: far above the 5 ms target
  const dropTimes: number[] = [];
  for (let step = 0; step < 400; step++, clock.now++) {
    const before = dropped.length;
    assert.ok(queue.shift(), 'an item is served on every take');
    if (dropped.length > before) dropTimes.push(clock.now - start - 1000);
  }
  // First seen above target at 0; above for a whole interval at 100: the first drop. Then the
  // control law: +100/√1 = 200, +100/√2 = 270.7 (taken at 271), +100/√3 = 328.4 (329), +100/√4 = 378.4 (379).
  assert.deepEqual(dropTimes.slice(0, 5), [100, 200, 271, 329, 379]);
});

test('CoDel: a queue whose delay falls back below target stops dropping, and a burst shorter than an interval is never dropped', () => {
  const { clock, queue, dropped } = clockedQueue({ queue_discipline: 'codel' });
  // A burst of 50 served one per ms: the head waits up to 50 ms (above the 5 ms target) but the
  // queue drains within the 100 ms interval, so it is a good queue: nothing is dropped.
  for (let i = 0; i < 50; i++) queue.push(createItem(0));
  for (let i = 0; i < 50; i++, clock.now++) assert.ok(queue.shift());
  assert.equal(dropped.length, 0);
  assert.equal(queue.describeDiscipline().dropping, false);
});

/**
 * Simulates one server taking `serviceMs` per item against `perTick` arrivals every `tickMs`,
 * each with a `deadlineMs` from its creation, for `seconds`; expired heads are taken out before
 * each take (as the dispatcher does). Returns items served per second within their deadline
 * (goodput) and in all (throughput), over the second half.
 */
function overload(settings: Partial<DisciplineSettings>, load: number, seconds = 20) {
  const serviceMs = 10; // capacity 100/s
  const deadlineMs = 500;
  const { clock, queue } = clockedQueue(settings);
  const start = clock.now;
  const measureFrom = start + (seconds * 1000) / 2;
  let nextArrival = start;
  let serverFreeAt = start;
  let good = 0;
  let served = 0;
  for (let t = start; t < start + seconds * 1000; t++) {
    clock.now = t;
    while (nextArrival <= t) {
      const item = createItem(0, 'normal', false, undefined, deadlineMs);
      (item as { deadline_at: number }).deadline_at = t + deadlineMs; // created on the test's clock
      queue.push(item);
      nextArrival += serviceMs / load;
    }
    if (serverFreeAt > t) continue;
    queue.expireHeads((item) => pastDeadline(item.deadline_at, t));
    const item = queue.shift();
    if (!item) continue;
    serverFreeAt = t + serviceMs;
    if (t < measureFrom) continue;
    served++;
    if (!pastDeadline(item.deadline_at, serverFreeAt)) good++;
  }
  const measured = seconds / 2;
  return { goodput: good / measured, throughput: served / measured };
}

test('2× overload with a 500 ms deadline: FIFO serves at capacity but almost nothing in time; adaptive LIFO and CoDel keep goodput near capacity', () => {
  const fifo = overload({ queue_discipline: 'fifo' }, 2);
  const lifo = overload({ queue_discipline: 'adaptive_lifo' }, 2);
  const codel = overload({ queue_discipline: 'codel' }, 2);
  assert.ok(fifo.throughput >= 99, `fifo throughput ${fifo.throughput}/s`);
  assert.ok(fifo.goodput <= 5, `fifo goodput ${fifo.goodput}/s: every item served had waited out its deadline`);
  assert.ok(lifo.goodput >= 95, `adaptive LIFO goodput ${lifo.goodput}/s of 100`);
  assert.ok(codel.goodput >= 95, `CoDel goodput ${codel.goodput}/s of 100`);
});

test('under capacity (0.8×) all three serve everything in time, in the same order as FIFO for LIFO and CoDel', () => {
  for (const queue_discipline of ['fifo', 'codel', 'adaptive_lifo'] as const) {
    const r = overload({ queue_discipline }, 0.8);
    assert.ok(Math.abs(r.goodput - 80) <= 1 && r.goodput === r.throughput, `${queue_discipline}: ${JSON.stringify(r)}`);
  }
});

test('adaptive LIFO: oldest first while short and young, newest first above the threshold or past the age', () => {
  const lifo = new AdaptiveLifo(3, 100);
  const lane = (ages: number[], now: number) => ({
    size: ages.length,
    at: (i: number) => ({ enqueued_at: now - ages[i] }) as Item,
  });
  assert.equal(lifo.next(lane([50, 40, 30], 1000), 1000).end, 'head');
  assert.equal(lifo.next(lane([50, 40, 30, 20], 1000), 1000).end, 'tail', 'above 3 items');
  assert.equal(lifo.next(lane([150, 10], 1000), 1000).end, 'tail', 'the oldest waited over 100 ms');
  assert.equal(lifo.next(lane([20], 1000), 1000).end, 'head');
  assert.deepEqual(lifo.describe(), { serving: 'oldest', switches: 2 });
});

test('CoDel never drops the last item, and never drops below target', () => {
  const codel = new CoDel(5, 100);
  const one = { size: 1, at: () => ({ enqueued_at: 0 }) as Item };
  for (let now = 1000; now < 2000; now += 10) assert.equal(codel.next(one, now).drop, 0);
  const young = { size: 100, at: (i: number) => ({ enqueued_at: 1_000_000 - i * 0.01 }) as Item };
  for (let now = 1_000_000; now < 1_000_004; now++) assert.equal(codel.next(young, now).drop, 0);
});
