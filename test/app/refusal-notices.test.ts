/** Refused connections are told at most once per source per window (review finding: 30k lines in 40 s of flooding). Pure: injected clock. */
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RefusalNotices } from '../../src/app/refusal-notices.js';

test('the first refusal from a source is told, the rest of the window only counted, then told with the count', () => {
  let now = 0;
  const n = new RefusalNotices({ now: () => now, windowMs: 10_000, maxSources: 8 });
  assert.equal(n.line('127.0.0.2', 'TOO_MANY_CONNECTIONS'), 'refused a connection from 127.0.0.2: too many connections');
  for (let i = 0; i < 999; i++) assert.equal(n.line('127.0.0.2', 'TOO_MANY_CONNECTIONS'), null);
  assert.equal(n.line('127.0.0.3', 'RATE_LIMITED'), 'refused a connection from 127.0.0.3: too many failed logins from there', 'another source is told at once');
  now = 10_000;
  assert.equal(n.line('127.0.0.2', 'TOO_MANY_CONNECTIONS'), 'refused a connection from 127.0.0.2: too many connections (and 999 more from there since the last notice)');
  assert.equal(n.line('127.0.0.2', 'TOO_MANY_CONNECTIONS'), null);
});

test('a flood from many sources tells at most one line per source per window, and remembers a bounded number of sources', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 500 })), { maxLength: 2_000 }), (ops) => {
      let now = 0;
      const n = new RefusalNotices({ now: () => now, windowMs: 10_000, maxSources: 64 });
      const lastTold = new Map<number, number>();
      for (const [src, dt] of ops) {
        now += dt;
        const line = n.line(`127.0.1.${src}`, 'TOO_MANY_CONNECTIONS');
        if (line !== null) {
          const prev = lastTold.get(src);
          assert.ok(prev === undefined || now - prev >= 10_000, 'never two lines for one source within the window');
          lastTold.set(src, now);
        }
      }
    }),
  );
});
