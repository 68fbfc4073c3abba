/** The online-guessing budget (src/transport/limiter.ts). Pure: the clock is a parameter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FailureLimiter, guessBudgetPerDay, type Attempt } from '../../src/transport/limiter.js';
import { ACCOUNT_GUESS_BURST, ACCOUNT_GUESS_REFILL_MS } from '../../src/limits.js';

const DAY = 24 * 60 * 60 * 1_000;

function attempt(l: FailureLimiter, source: string, now: number, account = 'alice'): Attempt | null {
  const v = l.begin(source, account, 'password', now);
  return v.ok ? v.attempt : null;
}

test('finding 2: concurrent guesses count from the moment they are admitted (60 in flight, limit 10)', () => {
  const l = new FailureLimiter({ perAddress: 10 });
  const inFlight = Array.from({ length: 60 }, () => attempt(l, '127.0.0.3', 0));
  assert.equal(inFlight.filter((a) => a !== null).length, 10, 'only 10 of 60 concurrent guesses are evaluated');
  assert.deepEqual(l.begin('127.0.0.3', 'alice', 'password', 0), { ok: false, by: 'address' });
  for (const a of inFlight) if (a !== null) l.finish(a, false, 1);
  assert.equal(l.stats().inFlight, 0);
  assert.equal(attempt(l, '127.0.0.3', 2), null, 'the 10 failures now hold the limit');
});

test('a source recovers after the window; another source is not affected', () => {
  const l = new FailureLimiter({ perAddress: 3, windowMs: 1_000 });
  for (let i = 0; i < 3; i++) {
    const a = attempt(l, '1.2.3.4', i);
    assert.ok(a !== null);
    l.finish(a, false, i);
  }
  assert.equal(attempt(l, '1.2.3.4', 10), null);
  assert.ok(attempt(l, '5.6.7.8', 10) !== null);
  assert.ok(attempt(l, '1.2.3.4', 1_003) !== null, 'failures expire with the window');
});

test('finding 3: strangers throttle the account, never lock it; a source that logged in keeps getting in', () => {
  const l = new FailureLimiter({ perAddress: 1_000, accountBurst: 30, accountRefillMs: 60_000 });
  // The contact logged in earlier from 127.0.0.7.
  const first = attempt(l, '127.0.0.7', 0);
  assert.ok(first !== null);
  l.finish(first, true, 0);
  // 30 wrong passwords from four addresses empty the strangers' bucket.
  for (let i = 0; i < 30; i++) {
    const a = attempt(l, `127.0.0.${2 + (i % 4)}`, 1);
    assert.ok(a !== null, `guess ${i} admitted`);
    l.finish(a, false, 1);
  }
  assert.deepEqual(l.begin('127.0.0.9', 'alice', 'password', 2), { ok: false, by: 'account' }, 'a stranger is throttled');
  const contact = attempt(l, '127.0.0.7', 2);
  assert.ok(contact !== null, 'the contact is not refused because of other people\'s wrong passwords');
  l.finish(contact, true, 2);
  // Throttling, not a lock: one token comes back per refill interval, with no restart.
  assert.ok(attempt(l, '127.0.0.9', 2 + 60_000) !== null);
  assert.equal(attempt(l, '127.0.0.9', 2 + 60_000), null);
});

test('a reconnect by pinned keys (kind "key") is never charged nor refused', () => {
  const l = new FailureLimiter({ perAddress: 1, accountBurst: 1 });
  const a = attempt(l, '127.0.0.2', 0);
  assert.ok(a !== null);
  l.finish(a, false, 0);
  assert.equal(attempt(l, '127.0.0.2', 0), null);
  for (let i = 0; i < 100; i++) {
    const v = l.begin('127.0.0.2', 'alice', 'key', 0);
    assert.equal(v.ok, true);
    if (v.ok) l.finish(v.attempt, false, 0);
  }
  assert.equal(l.stats().failures, 1);
});

test(`the budget: at most ${guessBudgetPerDay().strangers} guesses per account per day from strangers, whatever they do`, () => {
  assert.deepEqual(guessBudgetPerDay(), { strangers: ACCOUNT_GUESS_BURST + DAY / ACCOUNT_GUESS_REFILL_MS, perKnownSource: 106 });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 1, max: 600_000 })), { minLength: 1, maxLength: 2_000 }), (steps) => {
      const l = new FailureLimiter();
      let now = 0;
      let admitted = 0;
      for (const [src, dt] of steps) {
        now += dt;
        if (now > DAY) break;
        const a = attempt(l, `10.${src >> 8}.${src & 255}.1`, now);
        if (a !== null) {
          admitted++;
          l.finish(a, false, now);
        }
      }
      return admitted <= guessBudgetPerDay().strangers;
    }),
    { numRuns: 50 },
  );
});

test('memory stays bounded whatever the sequence of attempts', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 400 }), (events) => {
      const l = new FailureLimiter({ perAddress: 3, windowMs: 1_000, maxKeys: 16 });
      let now = 0;
      for (const [addr, acct, ok] of events) {
        now += 7;
        const a = attempt(l, `a${addr}`, now, `u${acct}`);
        if (a !== null) l.finish(a, ok, now);
      }
      const s = l.stats();
      return s.trackedAddresses <= 16 && s.trackedAccounts <= 16 && s.knownSources <= 16 && s.inFlight === 0;
    }),
  );
});

test('F2: made-up account names cannot push a drained account\'s bucket out of the table (the budget is not reset)', () => {
  // The outside attack: drain alice's 100 guesses, then one guess each for 10,000 made-up
  // account names from as many sources; alice's bucket, least recently used, was forgotten and
  // came back full: 100 fresh guesses about every 12 s instead of the stated 388 a day.
  const l = new FailureLimiter();
  for (let i = 0; i < ACCOUNT_GUESS_BURST; i++) {
    const a = attempt(l, `10.0.${i >> 8}.${i & 0xff}`, 0);
    assert.ok(a !== null, `guess ${i} for alice is evaluated`);
    l.finish(a, false, 0);
  }
  assert.equal(attempt(l, '10.9.9.9', 0), null, 'alice\'s bucket is empty');
  for (let i = 0; i < 10_000; i++) {
    const a = attempt(l, `10.1.${i >> 8}.${i & 0xff}`, 1, `made-up-${i}`);
    if (a !== null) l.finish(a, false, 1);
  }
  assert.equal(attempt(l, '10.2.0.1', 2), null, 'alice\'s bucket is still empty: its budget was not reset');
  assert.ok(l.stats().trackedAccounts <= 10_000, 'the table stays bounded');
  // Time still refills it: one guess per refill period.
  assert.ok(attempt(l, '10.2.0.2', 2 + ACCOUNT_GUESS_REFILL_MS) !== null, 'a guess comes back after one refill period');
});

test('F2: with the table full of buckets still refilling, a new account name is refused, never evicting one; a full bucket may be forgotten', () => {
  const l = new FailureLimiter({ maxKeys: 2, accountBurst: 2, accountRefillMs: 1_000, perAddress: 1_000 });
  const spend = (acct: string, now: number): boolean => {
    const a = attempt(l, 'src', now, acct);
    if (a !== null) l.finish(a, false, now);
    return a !== null;
  };
  assert.ok(spend('a', 0) && spend('b', 0), 'two accounts, one guess each');
  assert.equal(spend('c', 0), false, 'a third name is refused: both tracked buckets are still refilling');
  assert.equal(l.begin('src', 'c', 'password', 0).ok, false);
  assert.ok(spend('c', 1_000), 'once a bucket is full again (refilled), it can be forgotten for a new name');
  assert.ok(l.stats().trackedAccounts <= 2);
});
