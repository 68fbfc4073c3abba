// The v0 log line and the whole-file verifier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { utf8 } from '../../src/crypto/bytes.js';
import { formatLogLine, formatLogTime, verifyLegacyLog } from '../../src/legacy/log-line.js';

const pw = utf8('password2');
const T = Date.UTC(2026, 10, 25, 20, 44, 13);
const file = (...lines: string[]): Uint8Array => utf8(lines.map((l) => l + '\n').join(''));

test('time format: DD-MM-YYYY HH:MM:SS in UTC', () => {
  assert.equal(formatLogTime(T), '25-11-2026 20:44:13');
  assert.equal(formatLogTime(Date.UTC(2001, 0, 2, 3, 4, 5, 999)), '02-01-2001 03:04:05');
});

test('a valid file with several entries, a multi-line text, a text containing ::HMAC:', () => {
  const f = file(formatLogLine('one', pw, T), formatLogLine('two\nlines', pw, T + 1000), formatLogLine('a::HMAC:b', pw, T));
  assert.deepEqual(verifyLegacyLog(f, pw), { ok: true, entries: 3 });
  assert.deepEqual(verifyLegacyLog(new Uint8Array(0), pw), { ok: true, entries: 0 });
});

test('the first bad entry is reported with its line and why', () => {
  const a = formatLogLine('one', pw, T);
  const b = formatLogLine('two', pw, T);
  const check = (f: Uint8Array, line: number, why: RegExp, password = pw): void => {
    const r = verifyLegacyLog(f, password);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.line, line);
      assert.match(r.reason, why);
      assert.equal(r.error.code, 'LOG_INVALID');
    }
  };
  check(file(a, b.replace('two', 'tw0')), 2, /HMAC does not match/);
  check(file(a, b), 1, /HMAC/, utf8('other'));
  check(file(a, b.slice(0, -10)), 2, /without a ::HMAC: tag/);
  check(file('junk', a), 1, /does not start/);
  check(Uint8Array.from([0xff, 0x0a]), 1, /UTF-8/);
  // a deleted line inside a multi-line entry breaks that entry's HMAC
  const multi = formatLogLine('x\ny\nz', pw, T).split('\n');
  check(file(a, multi[0]!, multi[2]!), 2, /HMAC/);
});

test('property: any text round-trips through a log line and verifies; any edit is found', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat({ max: 4_000_000_000_000 }), (text, t) => {
      const line = formatLogLine(text, pw, t);
      const f = utf8(line + '\n');
      assert.equal(verifyLegacyLog(f, pw).ok, true);
      const edited = utf8(line.replace(/.(?=::HMAC:[0-9a-f]{64}$)/su, (c) => (c === 'a' ? 'b' : 'a')) + '\n');
      if (text.length > 0) assert.equal(verifyLegacyLog(edited, pw).ok, false);
    }),
    { numRuns: 300 },
  );
});
