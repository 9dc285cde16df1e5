// The circuit breaker's two ways of deciding that the consumer is broken: failures in a row, or
// a failure rate over a rolling window with a minimum volume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BreakerSettings, CircuitBreaker } from '../producer/src/breaker';

const settings = (patch: Partial<BreakerSettings> = {}): BreakerSettings => ({
  breaker_mode: 'consecutive',
  breaker_failure_threshold: 5,
  breaker_failure_rate: 0.5,
  breaker_window_ms: 10_000,
  breaker_minimum_requests: 20,
  breaker_reset_ms: 2000,
  ...patch,
});

/** Records `pattern` ('x' a failure, '.' a success) and returns how often the breaker opened. */
function play(breaker: CircuitBreaker, pattern: string): number {
  const before = breaker.opened;
  for (const c of pattern) {
    if (breaker.state === 'open') continue; // nothing is sent while open
    if (c === 'x') breaker.failure();
    else breaker.success();
  }
  return breaker.opened - before;
}

test('consecutive: opens at the threshold of failures in a row, and a success starts the count again', () => {
  const breaker = new CircuitBreaker(settings());
  assert.equal(play(breaker, 'xxxx.xxxx.xxxx.'), 0);
  assert.equal(play(breaker, 'xxxxx'), 1);
  assert.equal(breaker.state, 'open');
});

test('failure_rate: nothing opens it before the minimum volume, however bad', () => {
  const breaker = new CircuitBreaker(settings({ breaker_mode: 'failure_rate' }));
  assert.equal(play(breaker, 'x'.repeat(19)), 0);
  assert.equal(breaker.describe().window_failure_rate, 1);
  assert.equal(play(breaker, 'x'), 1, 'the 20th failure makes the volume');
});

test('failure_rate: streaks do not open it while the rate stays below the threshold', () => {
  const breaker = new CircuitBreaker(settings({ breaker_mode: 'failure_rate', breaker_failure_rate: 0.75 }));
  // Half the sends fail, in streaks of 6: the consecutive breaker would open on every streak.
  assert.equal(play(breaker, 'xxxxxx......'.repeat(20)), 0);
  assert.equal(breaker.describe().window_failure_rate, 0.5);
  assert.equal(play(breaker, 'x'.repeat(240)), 1, 'mostly failing: 480 sends, 360 failed');
});

test('failure_rate: old sends leave the window, and closing starts it afresh', async () => {
  const breaker = new CircuitBreaker(
    settings({ breaker_mode: 'failure_rate', breaker_window_ms: 200, breaker_reset_ms: 10, breaker_minimum_requests: 4 }),
  );
  play(breaker, '...');
  await sleep(250);
  assert.equal(breaker.describe().window_requests, 0, 'the successes aged out');
  assert.equal(play(breaker, 'xxxx'), 1);
  await sleep(20);
  assert.equal(breaker.state, 'half_open');
  assert.equal(breaker.delayBeforeSend(), 0, 'the probe may go');
  breaker.success();
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.describe().window_requests, 0, 'the failures before the probe are forgotten');
});

test('switching mode keeps the window; a new window length starts a new one', () => {
  const breaker = new CircuitBreaker(settings());
  play(breaker, 'x.x.x.');
  breaker.configure(settings({ breaker_mode: 'failure_rate' }));
  assert.equal(breaker.describe().window_requests, 6);
  breaker.configure(settings({ breaker_mode: 'failure_rate', breaker_window_ms: 5000 }));
  assert.equal(breaker.describe().window_requests, 0);
});
