// A first-in first-out buffer with O(1) push, unshift and shift: a ring over an array whose
// capacity doubles when full. (Array.prototype.shift is O(n) on large arrays.)
export class Fifo<T> {
  private slots: (T | undefined)[] = new Array(16);
  private head = 0;
  private length = 0;

  get size(): number {
    return this.length;
  }

  push(value: T): void {
    if (this.length === this.slots.length) this.grow();
    this.slots[(this.head + this.length) & (this.slots.length - 1)] = value;
    this.length++;
  }

  /** Puts a value back at the front (a failed send goes back to the head of the line). */
  unshift(value: T): void {
    if (this.length === this.slots.length) this.grow();
    this.head = (this.head - 1) & (this.slots.length - 1);
    this.slots[this.head] = value;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const value = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.length--;
    // After a burst drains, give back the large ring instead of holding it forever.
    if (this.length === 0 && this.slots.length > 4096) {
      this.slots = new Array(16);
      this.head = 0;
    }
    return value;
  }

  /** Removes the newest value (adaptive LIFO serves from this end under overload). */
  pop(): T | undefined {
    if (this.length === 0) return undefined;
    this.length--;
    const i = (this.head + this.length) & (this.slots.length - 1);
    const value = this.slots[i];
    this.slots[i] = undefined;
    return value;
  }

  /** The value `index` places from the front (0: the oldest), left in place. */
  at(index: number): T | undefined {
    return index < 0 || index >= this.length ? undefined : this.slots[(this.head + index) & (this.slots.length - 1)];
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const all: T[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) all[i] = this.slots[(this.head + i) & (this.slots.length - 1)] as T;
    this.slots = new Array(16);
    this.head = 0;
    this.length = 0;
    return all;
  }

  peek(): T | undefined {
    return this.length === 0 ? undefined : this.slots[this.head];
  }

  private grow(): void {
    const bigger: (T | undefined)[] = new Array(this.slots.length * 2);
    for (let i = 0; i < this.length; i++) bigger[i] = this.slots[(this.head + i) & (this.slots.length - 1)];
    this.slots = bigger;
    this.head = 0;
  }
}
