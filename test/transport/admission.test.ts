/** Admission at accept (src/transport/admission.ts): per-source caps, the global cap, random early drop, penalties. Pure: clock and draw injected. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Admission } from '../../src/transport/admission.js';
import { sourceOf } from '../../src/transport/source.js';

test('a source is an IPv4 address or an IPv6 /64; IPv4-mapped addresses are IPv4', () => {
  assert.equal(sourceOf('127.0.0.2'), '127.0.0.2');
  assert.equal(sourceOf('::ffff:127.0.0.2'), '127.0.0.2');
  assert.equal(sourceOf('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(sourceOf('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(sourceOf('2001:0db8:0001:0002::'), '2001:db8:1:2::/64');
  assert.equal(sourceOf('::1'), '0:0:0:0::/64');
  assert.notEqual(sourceOf('2001:db8:1:3::1'), sourceOf('2001:db8:1:2::1'));
  assert.equal(sourceOf(undefined), 'unknown');
});

test('one source cannot hold more than its share of unfinished handshakes; others still get in', () => {
  const a = new Admission({ full: 64, start: 64, perSource: 8 });
  const verdicts = Array.from({ length: 64 }, () => a.admit('127.0.0.2', 0));
  assert.equal(verdicts.filter((v) => v.ok).length, 8);
  assert.deepEqual(verdicts[8], { ok: false, by: 'source' });
  assert.deepEqual(a.admit('127.0.0.9', 0), { ok: true }, 'another source is admitted while the first is at its cap');
  a.release('127.0.0.2', 'failed', 1);
  assert.deepEqual(a.admit('127.0.0.2', 1), { ok: true }, 'a released slot is reusable');
  assert.equal(a.stats().pending, 9);
});

test('random early drop: none below start, probability rising from rate to 1 at full', () => {
  let draw = 0.5;
  const a = new Admission({ full: 10, start: 5, rate: 0.3, perSource: 100, random: () => draw });
  for (let i = 0; i < 5; i++) assert.equal(a.admit(`s${i}`, 0).ok, true);
  // At 5 pending: p = 0.3. A draw of 0.5 passes, 0.29 is dropped.
  assert.equal(a.admit('x', 0).ok, true);
  draw = 0.29;
  // At 6 pending: p = 0.3 + 0.7 * 1/5 = 0.44.
  assert.deepEqual(a.admit('y', 0), { ok: false, by: 'early-drop' });
  draw = 0.45;
  assert.equal(a.admit('y', 0).ok, true);
  draw = 0.99;
  for (let i = 0; i < 3; i++) a.admit(`z${i}`, 0);
  assert.equal(a.stats().pending, 10);
  assert.deepEqual(a.admit('w', 0), { ok: false, by: 'full' });
});

test('penalties: timeouts and garbage accumulate until the source is refused; they decay and are capped', () => {
  const a = new Admission({ perSource: 100, penaltyTimeoutMs: 10_000, penaltyGarbageMs: 5_000, penaltyMinMs: 15_000, penaltyMaxMs: 60_000 });
  const offend = (outcome: 'timeout' | 'garbage', now: number): void => {
    assert.equal(a.admit('bad', now).ok, true);
    a.release('bad', outcome, now);
  };
  offend('timeout', 0);
  offend('garbage', 0); // 15 s of penalty: not more than the minimum yet
  assert.equal(a.admit('bad', 0).ok, true);
  a.release('bad', 'garbage', 0); // 20 s
  assert.deepEqual(a.admit('bad', 0), { ok: false, by: 'penalty' });
  assert.equal(a.admit('good', 0).ok, true, 'other sources are not penalised');
  assert.equal(a.admit('bad', 5_001).ok, true, 'the penalty decays: 14.999 s left is under the minimum');
  a.release('bad', 'completed', 5_001);
  for (let i = 0; i < 50; i++) a.penalise('bad', 10_000, 6_000);
  assert.deepEqual(a.admit('bad', 6_000), { ok: false, by: 'penalty' });
  assert.equal(a.admit('bad', 6_000 + 60_000 - 15_000).ok, true, 'capped at the maximum');
});

test('a source whose connections leave before the handshake completes is penalised (noauth): slots are not free to hold', () => {
  // Review finding: 32+ sources, each holding its 8 slots and closing them just before the
  // first-frame deadline, filled the global cap with no penalty ever applied.
  const a = new Admission({ perSource: 8, penaltyAbandonedMs: 2_000, penaltyMinMs: 15_000 });
  for (let i = 0; i < 8; i++) assert.equal(a.admit('holder', 0).ok, true, `slot ${i} admitted`);
  for (let i = 0; i < 8; i++) a.release('holder', 'abandoned', 4_499);
  assert.deepEqual(a.admit('holder', 4_500), { ok: false, by: 'penalty' }, 'after its 8 slots were abandoned the source is refused');
  assert.equal(a.admit('other', 4_500).ok, true, 'another source is not penalised');
  assert.equal(a.admit('holder', 4_499 + 16_000 - 15_000).ok, true, 'the penalty decays like the others');
  const b = new Admission({ perSource: 8, penaltyAbandonedMs: 2_000, penaltyMinMs: 15_000 });
  for (let i = 0; i < 7; i++) {
    assert.equal(b.admit('user', 0).ok, true);
    b.release('user', 'abandoned', 0);
  }
  assert.equal(b.admit('user', 0).ok, true, 'a few abandoned handshakes (a user pressing Ctrl-C) are not refused');
});

test('memory stays bounded and counts stay consistent whatever the sequence', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.constantFrom('completed', 'failed', 'timeout', 'garbage', 'abandoned' as const), fc.boolean()), { maxLength: 500 }), (ops) => {
      const a = new Admission({ full: 32, start: 16, perSource: 4, maxSources: 20, random: () => 0.5 });
      const held: string[] = [];
      let now = 0;
      for (const [src, outcome, release] of ops) {
        now += 100;
        if (release && held.length > 0) a.release(held.shift() ?? '', outcome, now);
        else if (a.admit(`s${src}`, now).ok) held.push(`s${src}`);
      }
      const s = a.stats();
      return s.pending === held.length && s.pending <= 32 && s.penalisedSources <= 20 && s.pendingSources <= 32;
    }),
  );
});

test('F3: at the global cap a newcomer is admitted in place of a silent handshake the caller can give up; never past the per-source cap or a penalty', () => {
  const a = new Admission({ full: 4, start: 4, perSource: 2, penaltyAbandonedMs: 2_000 });
  for (const s of ['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.2']) assert.deepEqual(a.admit(s, 0), { ok: true });
  assert.deepEqual(a.admit('10.0.0.9', 0), { ok: false, by: 'full' }, 'nothing to give up: refused');
  assert.deepEqual(a.admit('10.0.0.9', 0, true), { ok: true, evict: true }, 'a silent one to give up: admitted in its place');
  a.release('10.0.0.1', 'evicted', 0);
  assert.equal(a.stats().pending, 4, 'one in, one out: never past the cap');
  assert.equal(a.stats().evicted, 1);
  assert.deepEqual(a.admit('10.0.0.9', 0, true), { ok: true, evict: true });
  a.release('10.0.0.1', 'evicted', 0);
  assert.deepEqual(a.admit('10.0.0.9', 0, true), { ok: false, by: 'source' }, 'the per-source cap still holds');
  // An eviction costs its source nothing (issue 10 review): the victim may be a slow legitimate
  // client. A source penalised for something else is still refused at accept.
  const b = new Admission({ full: 1, start: 1, perSource: 1, penaltyAbandonedMs: 2_000, penaltyMinMs: 3_000 });
  b.admit('10.0.0.1', 0);
  b.release('10.0.0.1', 'evicted', 0);
  b.admit('10.0.0.1', 0);
  b.release('10.0.0.1', 'evicted', 0);
  assert.equal(b.isPenalised('10.0.0.1', 0), false, 'evictions are not penalised');
  assert.deepEqual(b.admit('10.0.0.1', 0, true), { ok: true });
  b.release('10.0.0.1', 'abandoned', 0);
  b.admit('10.0.0.1', 0);
  b.release('10.0.0.1', 'abandoned', 0);
  assert.equal(b.isPenalised('10.0.0.1', 0), true);
  assert.deepEqual(b.admit('10.0.0.1', 0, true), { ok: false, by: 'penalty' });
});

test('F3: random early drop gives way to eviction too', () => {
  const a = new Admission({ full: 10, start: 2, rate: 1, perSource: 10, random: () => 0 });
  a.admit('10.0.0.1', 0);
  a.admit('10.0.0.1', 0);
  assert.deepEqual(a.admit('10.0.0.9', 0), { ok: false, by: 'early-drop' });
  assert.deepEqual(a.admit('10.0.0.9', 0, true), { ok: true, evict: true });
});
