// The producer's queue: FIFO per priority (high is always served first), with its size and
// memory estimate kept as running totals so /status is O(1) at any depth.
//
// Besides the limit each add is given (admission's), it keeps an optional bound of its own on
// its estimated bytes (max_queue_bytes): an item that would take it over is refused as
// `full_bytes`, or waits for room like any other under block and timeout. Items that waited longer
// than max_item_age_ms, or whose deadline passed, are taken out at the head (expireHeads) and never sent.
//
// Which item a take gets is its discipline's choice (discipline/: fifo, codel, adaptive_lifo), one
// per priority lane; the items a discipline drops (CoDel) go to `onDisciplineDrop`, to be counted.
//
// It also keeps the offers that wait for room (block and timeout modes) in arrival order, and
// puts each one in the queue itself, synchronously, the moment there is room: two waiters can
// never both take the same free slot.
import type { AddResult, AdmissionQueue, EvictResult, RoomResult } from './admission/admission-queue';
import type { Discipline } from './discipline/discipline';
import { FifoDiscipline } from './discipline/fifo';
import { Fifo } from './fifo';
import { type Item, itemBytes, type Priority } from './item';
import { queueNow } from './queue-clock';

interface RoomWaiter {
  item: Item;
  limit: number;
  settle: (result: RoomResult) => void;
}

export class ItemQueue implements AdmissionQueue {
  /**
   * @param maxBytes the byte bound now (0: none).
   * @param clock ms now, on queue-clock.ts's clock: the items' enqueue times and the disciplines' decisions (tests drive it).
   */
  constructor(
    private readonly maxBytes: () => number = () => 0,
    private readonly clock: () => number = queueNow,
  ) {}

  private readonly lanes: Record<Priority, Fifo<Item>> = { high: new Fifo(), normal: new Fifo() };
  private readonly roomWaiters = new Fifo<RoomWaiter>();
  private itemWaiters: (() => void)[] = [];
  private totalBytes = 0;
  private disciplines: Record<Priority, Discipline> = { high: new FifoDiscipline(), normal: new FifoDiscipline() };
  /** Whether the last take served the newest item (putBack returns an item to the same end). */
  private lastTakenFromTail = false;
  /** Hears each item a discipline dropped (CoDel), once it has left the queue. */
  onDisciplineDrop: (item: Item) => void = () => {};

  /** Serves each lane by a fresh discipline from `make` from now on. */
  useDiscipline(make: () => Discipline): void {
    this.disciplines = { high: make(), normal: make() };
  }

  /** The normal lane's discipline figures (GET /status). */
  describeDiscipline(): Record<string, number | string | boolean> {
    return this.disciplines.normal.describe();
  }

  get size(): number {
    return this.lanes.high.size + this.lanes.normal.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  sizeOf(priority: Priority): number {
    return this.lanes[priority].size;
  }

  /** Enqueue time of the item that has waited longest, or undefined when empty. */
  oldestEnqueuedAt(): number | undefined {
    const a = this.lanes.high.peek()?.enqueued_at;
    const b = this.lanes.normal.peek()?.enqueued_at;
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  push(item: Item): void {
    item.enqueued_at = this.clock();
    this.lanes[item.priority].push(item);
    this.totalBytes += itemBytes(item);
    this.wakeSenders();
  }

  /** True when `item` fits under the byte bound (after `freed` bytes leave). */
  private fits(item: Item, freed = 0): boolean {
    const max = this.maxBytes();
    return max <= 0 || this.totalBytes - freed + itemBytes(item) <= max;
  }

  add(item: Item, limit: number): AddResult {
    if (this.size >= limit) return 'full';
    if (!this.fits(item)) return 'full_bytes';
    this.push(item);
    return 'queued';
  }

  addEvictingOldest(item: Item, limit: number): EvictResult {
    const oldest = this.lanes.normal.peek() ?? this.lanes.high.peek();
    const fitsAlone = this.fits(item);
    // One item is evicted at most: a newer one that does not fit even then is refused instead.
    if (!fitsAlone && !(oldest && this.fits(item, itemBytes(oldest)))) return { result: 'full_bytes' };
    const evicted = this.size >= limit || !fitsAlone ? this.evictOldest() : undefined;
    this.push(item);
    return { result: 'queued', evicted };
  }

  /** Returns an item to the head of its lane (a failed send is retried first). */
  pushFront(item: Item): void {
    item.enqueued_at = this.clock();
    this.lanes[item.priority].unshift(item);
    this.totalBytes += itemBytes(item);
    this.wakeSenders();
  }

  /** Takes the next item, as the discipline chooses: high priority first, then normal; undefined when empty. */
  shift(): Item | undefined {
    const item = this.takeFrom('high') ?? this.takeFrom('normal');
    if (item) this.admitWaiters();
    return item;
  }

  /** Returns an item just taken (it did not fit in its batch) to where it came from, its wait kept. */
  putBack(item: Item): void {
    const lane = this.lanes[item.priority];
    if (this.lastTakenFromTail) lane.push(item);
    else lane.unshift(item);
    this.totalBytes += itemBytes(item);
  }

  private takeFrom(priority: Priority): Item | undefined {
    const lane = this.lanes[priority];
    if (lane.size === 0) return undefined;
    const { drop, end } = this.disciplines[priority].next(lane, this.clock());
    for (let i = 0; i < drop; i++) {
      const dropped = lane.shift() as Item;
      this.totalBytes -= itemBytes(dropped);
      this.onDisciplineDrop(dropped);
    }
    this.lastTakenFromTail = end === 'tail';
    const item = this.lastTakenFromTail ? lane.pop() : lane.shift();
    if (item) this.totalBytes -= itemBytes(item);
    return item;
  }

  /** The item shift() would take next, left in place. */
  peek(): Item | undefined {
    return this.lanes.high.peek() ?? this.lanes.normal.peek();
  }

  /** Removes the oldest item of the lowest priority present (drop_oldest). */
  evictOldest(): Item | undefined {
    const item = this.lanes.normal.shift() ?? this.lanes.high.shift();
    if (item) this.totalBytes -= itemBytes(item);
    return item;
  }

  /** Takes out the head items (of each lane) for which `isStale` holds, up to the first that is fresh. */
  expireHeads(isStale: (item: Item) => boolean): Item[] {
    const expired: Item[] = [];
    for (const lane of [this.lanes.high, this.lanes.normal]) {
      for (let head = lane.peek(); head && isStale(head); head = lane.peek()) {
        lane.shift();
        this.totalBytes -= itemBytes(head);
        expired.push(head);
      }
    }
    if (expired.length > 0) this.admitWaiters();
    return expired;
  }

  /** Empties the queue and returns what it held. */
  clear(): Item[] {
    const removed = [...this.lanes.high.drain(), ...this.lanes.normal.drain()];
    this.totalBytes = 0;
    this.admitWaiters();
    return removed;
  }

  /** Resolves when an item may be there; senders call shift() again after it. */
  whenNotEmpty(): Promise<void> {
    if (this.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.itemWaiters.push(resolve));
  }

  /**
   * Puts `item` in the queue as soon as the size is below `limit`, after the offers that were
   * already waiting. Gives up after `timeoutMs` or when `signal` aborts.
   */
  addWhenRoom(item: Item, limit: number, signal: AbortSignal, timeoutMs = Infinity): Promise<RoomResult> {
    if (this.roomWaiters.size === 0 && this.size < limit && this.fits(item)) {
      this.push(item);
      return Promise.resolve('queued');
    }
    if (this.maxBytes() > 0 && itemBytes(item) > this.maxBytes()) return Promise.resolve('full_bytes');
    if (signal.aborted) return Promise.resolve('cancelled');
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: RoomWaiter = {
        item,
        limit,
        settle: (result) => {
          if (waiter.settle === noop) return;
          waiter.settle = noop; // settled once; a settled waiter left in the line is skipped
          if (timer) clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      const onAbort = () => waiter.settle('cancelled');
      signal.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => waiter.settle('timeout'), timeoutMs);
      this.roomWaiters.push(waiter);
    });
  }

  /** Hands every waiting offer back to its caller (the mode changed; it is offered again). */
  releaseWaiters(): void {
    for (let w = this.roomWaiters.shift(); w; w = this.roomWaiters.shift()) w.settle('superseded');
  }

  private admitWaiters(): void {
    for (let w = this.roomWaiters.peek(); w; w = this.roomWaiters.peek()) {
      if (w.settle === noop) {
        this.roomWaiters.shift(); // timed out or cancelled while in line
      } else if (this.size < w.limit && this.fits(w.item)) {
        this.roomWaiters.shift();
        this.push(w.item);
        w.settle('queued');
      } else {
        return;
      }
    }
  }

  /**
   * Wakes every sender waiting in whenNotEmpty (on a push, or at shutdown). Senders run on the
   * next turn of the event loop, so whoever pushed finishes first — the ledger records an
   * item's admission before any sender can take it.
   */
  wakeSenders(): void {
    if (this.itemWaiters.length === 0) return;
    const waiters = this.itemWaiters;
    this.itemWaiters = [];
    setImmediate(() => {
      for (const wake of waiters) wake();
    });
  }
}

const noop = () => {};
