/**
 * Review note (issue 10): admission, eviction and the guessing budget read `realTimers.now()`;
 * on the wall clock a forward step (NTP, a user setting the date) refilled every bucket and
 * lifted every penalty at once. The clock is monotonic now: a step of Date.now changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realTimers } from '../../src/transport/timers.js';

test('realTimers.now() does not follow a step of the wall clock', () => {
  const before = realTimers.now();
  const wall = Date.now;
  try {
    Date.now = () => wall() + 24 * 60 * 60 * 1_000; // the wall clock jumps a day ahead
    const after = realTimers.now();
    assert.ok(after >= before, 'never goes back');
    assert.ok(after - before < 60 * 60 * 1_000, `moved ${after - before} ms, not a day`);
  } finally {
    Date.now = wall;
  }
});
