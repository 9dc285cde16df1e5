// The soak, shortened for CI (40 s; `npm run soak` runs it for 10 minutes): bounded mode at twice
// the consumer's capacity — RSS peak flat within 10% after warm-up, active handles stable, queue
// never above its bound, accounting balanced, no process fault. Short, it catches fast leaks only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rssCurve, runSoak } from './helpers/soak';

test('soak (40 s): RSS flat, handles stable, queue within its bound', async (t) => {
  const result = await runSoak(40, 15);
  t.diagnostic(`RSS curve: ${rssCurve(result, 8)}`);
  t.diagnostic(
    `RSS ${result.rss.min}–${result.rss.max} MB, peak ${result.rss.firstHalfPeak} → ${result.rss.secondHalfPeak} MB, handles ${result.handles.min}–${result.handles.max}, ` +
      `max queue ${result.maxQueue}, produced ${result.produced}, sent ${result.sent}, rejected ${result.rejected}`,
  );
  assert.deepEqual(result.failures, []);
});
