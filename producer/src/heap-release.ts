// After clear-queue: ask V8 for one full garbage collection, so that the heap a learner reads in
// /status falls at once.
//
// Cleared items are garbage in V8's old generation, and V8 collects that generation only when it
// next grows past its limit: at 10 items/s that is minutes away, or never, and heap_used_mb would
// say that clearing did nothing. A full collection costs a pause proportional to what is still
// alive (a few MB after a clear), not to what was cleared. It runs on the next turn of the event
// loop, after the clear-queue answer is sent.
//
// Node exposes gc() only with --expose-gc; setting that flag at run time and reading gc from a new
// context is the documented way to get it without a command-line flag (jest does the same).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Smaller clears leave too little garbage to be worth a pause. */
const MIN_ITEMS = 1000;

let scheduled = false;

/** Called with the number of items a clear removed. */
export function releaseHeapAfterClear(removed: number): void {
  if (removed < MIN_ITEMS || scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    collect();
  });
}
