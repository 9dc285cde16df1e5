// The producer's watch for publishes RabbitMQ never answers (producer/src/broker/confirm-watch.ts):
// the clock is passed in, so each case is exact. Exercise 44 on a real cluster
// (labs-cluster.test.ts) is where the fault itself shows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIRM_OVERDUE_MS, ConfirmWatch } from '../producer/src/broker/confirm-watch';

function watch(oldest: number | undefined, blocked = false) {
  const state = { oldest, blocked, reopened: 0 };
  const w = new ConfirmWatch(
    () => state.oldest,
    () => state.blocked,
    () => state.reopened++,
  );
  return { w, state };
}

test('a publish unanswered past the limit reopens the connection once, not every second after', () => {
  const { w, state } = watch(0);
  w.check(CONFIRM_OVERDUE_MS - 1);
  assert.equal(state.reopened, 0);
  w.check(CONFIRM_OVERDUE_MS);
  assert.equal(state.reopened, 1);
  w.check(CONFIRM_OVERDUE_MS + 1000); // the re-send is under way: its own time counts from the reopen
  assert.equal(state.reopened, 1);
  w.check(2 * CONFIRM_OVERDUE_MS);
  assert.equal(w.reopens, 2);
});

test('nothing unanswered, or a broker blocking publishing, reopens nothing; the time blocked does not count', () => {
  const { w, state } = watch(undefined);
  w.check(10 * CONFIRM_OVERDUE_MS);
  assert.equal(state.reopened, 0);
  state.oldest = 0;
  state.blocked = true;
  w.check(2 * CONFIRM_OVERDUE_MS); // a memory alarm holds confirms on purpose
  assert.equal(state.reopened, 0);
  state.blocked = false;
  w.check(3 * CONFIRM_OVERDUE_MS - 1); // unblocked at 2 × the limit: the wait counts from there
  assert.equal(state.reopened, 0);
  w.check(3 * CONFIRM_OVERDUE_MS);
  assert.equal(state.reopened, 1);
});
