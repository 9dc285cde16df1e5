// PriorityMix: the generator's high_priority_ratio is exact over any run of items, not a coin toss.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PriorityMix } from '../producer/src/priority-mix';

test('any 200 items in a row hold 200 × ratio high ones, within one', () => {
  for (const ratio of [0, 0.05, 0.2, 1 / 3, 0.6, 0.99, 1]) {
    const mix = new PriorityMix();
    const high = Array.from({ length: 10_000 }, () => (mix.next(ratio) === 'high' ? 1 : 0));
    for (let start = 0; start + 200 <= high.length; start += 37) {
      const count = high.slice(start, start + 200).reduce((a: number, b) => a + b, 0);
      assert.ok(Math.abs(count - 200 * ratio) <= 1, `ratio ${ratio}: ${count} high in items ${start}–${start + 199}`);
    }
  }
});

test('a new ratio holds from the change on', () => {
  const mix = new PriorityMix();
  for (let i = 0; i < 101; i++) mix.next(0.2);
  const after = Array.from({ length: 100 }, () => mix.next(0.6)).filter((p) => p === 'high').length;
  assert.ok(Math.abs(after - 60) <= 1, `${after} of 100 high after the change to 0.6`);
});
