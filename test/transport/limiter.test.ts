import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FailureLimiter } from '../../src/transport/limiter.js';

test('refuses an address after its failures, and recovers after the window', () => {
  const l = new FailureLimiter({ perAddress: 3, perAccount: 100, windowMs: 1_000 });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(l.check('1.2.3.4', 'alice', i), { ok: true });
    l.recordFailure('1.2.3.4', 'alice', i);
  }
  assert.deepEqual(l.check('1.2.3.4', 'alice', 10), { ok: false, by: 'address' });
  assert.deepEqual(l.check('5.6.7.8', 'alice', 10), { ok: true }, 'another address is not affected');
  assert.deepEqual(l.check('1.2.3.4', 'alice', 1_003), { ok: true }, 'failures expire with the window');
  assert.equal(l.stats().refused, 1);
});

test('refuses an account hammered from many addresses', () => {
  const l = new FailureLimiter({ perAddress: 100, perAccount: 5, windowMs: 60_000 });
  for (let i = 0; i < 5; i++) l.recordFailure(`10.0.0.${i}`, 'alice', 0);
  assert.deepEqual(l.check('10.0.0.99', 'alice', 1), { ok: false, by: 'account' });
  assert.deepEqual(l.check('10.0.0.99', 'bob', 1), { ok: true });
});

test('memory stays bounded whatever the sequence of failures', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 20 })), { maxLength: 400 }), (events) => {
      const l = new FailureLimiter({ perAddress: 3, perAccount: 3, windowMs: 1_000, maxKeys: 16 });
      let now = 0;
      for (const [addr, acct] of events) {
        now += 7;
        l.check(`a${addr}`, `u${acct}`, now);
        l.recordFailure(`a${addr}`, `u${acct}`, now);
      }
      const s = l.stats();
      return s.trackedAddresses <= 16 && s.trackedAccounts <= 16;
    }),
  );
});
