// PublishLog: the age of the oldest ready item on the broker, from when this producer's items were
// confirmed and the polled ready count. A poll counts only what was confirmed before it was asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PublishLog } from '../producer/src/broker/publish-log';

test('items confirmed while a poll is on its way are not taken for gone', () => {
  const log = new PublishLog();
  const asked = log.confirmedTotal;
  for (let i = 0; i < 5; i++) log.confirmed(1000 + i, 'normal');
  log.readyPolled(0, asked); // 0 ready when it was asked: the five came after
  assert.equal(log.oldestAgeSeconds(2000), 1, 'the first of the five is the oldest ready item');
  log.readyPolled(5, log.confirmedTotal);
  assert.equal(log.oldestAgeSeconds(2000), 1);
  log.readyPolled(2, log.confirmedTotal); // three delivered
  assert.equal(log.oldestAgeSeconds(2000), (2000 - 1003) / 1000);
  log.readyPolled(0, log.confirmedTotal);
  assert.equal(log.oldestAgeSeconds(2000), 0);
});

test('positions hold after the delivered entries are let go', () => {
  const log = new PublishLog();
  for (let i = 0; i < 3000; i++) log.confirmed(i, 'normal');
  log.readyPolled(10, log.confirmedTotal); // 2990 delivered: the arrays are compacted
  assert.equal(log.oldestAgeSeconds(3000), (3000 - 2990) / 1000);
  const asked = log.confirmedTotal;
  log.confirmed(3000, 'normal');
  log.readyPolled(5, asked); // of the 3000 asked about, the 5 newest are ready
  assert.equal(log.oldestAgeSeconds(3000), (3000 - 2995) / 1000);
  assert.equal(log.confirmedTotal, 3001);
});

test("more ready than it holds (another producer's items): it cannot tell", () => {
  const log = new PublishLog();
  log.confirmed(1000, 'normal');
  log.readyPolled(3, log.confirmedTotal);
  assert.equal(log.oldestAgeSeconds(2000), undefined);
});
