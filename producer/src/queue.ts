// The producer's queue: FIFO per priority (high is always served first), with its size and
// memory estimate kept as running totals so /status is O(1) at any depth.
//
// It also keeps the offers that wait for room (block and timeout modes) in arrival order, and
// puts each one in the queue itself, synchronously, the moment there is room: two waiters can
// never both take the same free slot.
import type { AddResult, AdmissionQueue, EvictResult, RoomResult } from './admission/admission-queue';
import { Fifo } from './fifo';
import { type Item, itemBytes, type Priority } from './item';

interface RoomWaiter {
  item: Item;
  limit: number;
  settle: (result: RoomResult) => void;
}

export class ItemQueue implements AdmissionQueue {
  private readonly lanes: Record<Priority, Fifo<Item>> = { high: new Fifo(), normal: new Fifo() };
  private readonly roomWaiters = new Fifo<RoomWaiter>();
  private itemWaiters: (() => void)[] = [];
  private totalBytes = 0;

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
    item.enqueued_at = Date.now();
    this.lanes[item.priority].push(item);
    this.totalBytes += itemBytes(item);
    this.wakeSenders();
  }

  add(item: Item, limit: number): AddResult {
    if (this.size >= limit) return 'full';
    this.push(item);
    return 'queued';
  }

  addEvictingOldest(item: Item, limit: number): EvictResult {
    const evicted = this.size >= limit ? this.evictOldest() : undefined;
    this.push(item);
    return { result: 'queued', evicted };
  }

  /** Returns an item to the head of its lane (a failed send is retried first). */
  pushFront(item: Item): void {
    item.enqueued_at = Date.now();
    this.lanes[item.priority].unshift(item);
    this.totalBytes += itemBytes(item);
    this.wakeSenders();
  }

  /** Takes the next item: high priority first, then normal; undefined when empty. */
  shift(): Item | undefined {
    const item = this.lanes.high.shift() ?? this.lanes.normal.shift();
    if (item) {
      this.totalBytes -= itemBytes(item);
      this.admitWaiters();
    }
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
    if (this.roomWaiters.size === 0 && this.size < limit) {
      this.push(item);
      return Promise.resolve('queued');
    }
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
      } else if (this.size < w.limit) {
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
