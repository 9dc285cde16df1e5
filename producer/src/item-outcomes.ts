// Who waits for an item's outcome: open arrivals' callers with a timeout (open-arrivals.ts) ask to
// hear when their item is done (delivered) or lost (refused, dropped, expired, dead-lettered). The
// ledger, which sees every move, settles them. Items nobody waits for cost one size check.
import type { Item } from './item';

export class ItemOutcomes {
  private readonly waiting = new Map<string, (delivered: boolean) => void>();

  /** Resolves true when `item` is delivered, false when it is lost; `forget` ends the wait. */
  watch(item: Item): Promise<boolean> {
    return new Promise((resolve) => this.waiting.set(item.id, resolve));
  }

  /** The caller stopped waiting (it timed out): its item goes on, but nobody hears of it. */
  forget(item: Item): void {
    this.waiting.delete(item.id);
  }

  /** The ledger: `item` reached its end. */
  settle(item: Item, delivered: boolean): void {
    if (this.waiting.size === 0) return;
    const resolve = this.waiting.get(item.id);
    if (!resolve) return;
    this.waiting.delete(item.id);
    resolve(delivered);
  }
}
