// Python compatibility of the renderings v0 depends on: repr(float), repr(bytes), json.dumps,
// json.loads. Known answers from CPython (_python-answers.ts) plus properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSecureChatError } from '../../src/errors.js';
import { pyFloatRepr } from '../../src/legacy/py-float-repr.js';
import { pyBytesRepr } from '../../src/legacy/py-bytes-repr.js';
import { pyDumps, pyDumpsString } from '../../src/legacy/py-json.js';
import { pyLoads } from '../../src/legacy/py-json-parse.js';
import { PY } from './_python-answers.js';

const PY_FLOAT = /^-?(?:\d+\.\d+|\d(?:\.\d+)?e[+-]\d{2,3}|NaN|Infinity)$/;

test('repr(float) matches CPython on known answers', () => {
  for (const [hex, repr] of PY.floats) {
    const x = Buffer.from(hex, 'hex').readDoubleBE(0);
    assert.equal(pyFloatRepr(x), repr, `float 0x${hex}`);
  }
  assert.equal(pyFloatRepr(NaN), 'NaN');
  assert.equal(pyFloatRepr(-Infinity), '-Infinity');
});

test('repr(float) round-trips, has Python layout, fixed notation exactly for -4 < decpt <= 16', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const s = pyFloatRepr(x);
      assert.match(s, PY_FLOAT);
      assert.ok(Object.is(Number(s), x), `${s} does not round-trip to ${x}`);
      if (x !== 0) {
        const decpt = Math.floor(Math.log10(Math.abs(x))) + 1;
        // log10 may be off by one at exact powers of ten; only check clear cases
        if (decpt > -3 && decpt < 16) assert.ok(!s.includes('e'), s);
        if (decpt < -5 || decpt > 18) assert.ok(s.includes('e'), s);
      }
    }),
    { numRuns: 2000 },
  );
});

test('repr(bytes) matches CPython on known answers', () => {
  for (const [hex, repr] of PY.bytes) assert.equal(pyBytesRepr(new Uint8Array(Buffer.from(hex, 'hex'))), repr, `bytes ${hex}`);
});

/** Reads back a Python bytes literal (test-only inverse). */
function unrepr(s: string): Uint8Array {
  const q = s[1];
  assert.ok(s.startsWith('b') && (q === "'" || q === '"') && s.endsWith(q));
  const out: number[] = [];
  const body = s.slice(2, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === q) assert.fail('unescaped quote');
    if (c !== '\\') {
      out.push(c.charCodeAt(0));
      continue;
    }
    const e = body[++i]!;
    if (e === 'x') {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push({ t: 9, n: 10, r: 13 }[e as 't'] ?? e.charCodeAt(0));
  }
  return Uint8Array.from(out);
}

test('repr(bytes): printable ASCII, quoted per the rule, and invertible', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const s = pyBytesRepr(b);
      assert.match(s, /^[\x20-\x7e]*$/);
      const single = b.includes(0x27);
      const dbl = b.includes(0x22);
      assert.equal(s[1], single && !dbl ? '"' : "'");
      assert.deepEqual(unrepr(s), b);
    }),
    { numRuns: 1000 },
  );
});

test('json.dumps strings match CPython (ensure_ascii, surrogate pairs, lone surrogates)', () => {
  for (const [s, want] of PY.strings) assert.equal(pyDumpsString(s), want);
});

const utf16 = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((a) => String.fromCharCode(...a));

test('json.dumps strings are printable ASCII and parse back to the same UTF-16', () => {
  fc.assert(
    fc.property(utf16, (s) => {
      const out = pyDumpsString(s);
      assert.match(out, /^[\x20-\x7e]*$/);
      assert.equal(JSON.parse(out), s);
      const v = pyLoads(out);
      assert.deepEqual(v, { t: 'str', v: s });
    }),
    { numRuns: 1000 },
  );
});

test('json.loads then json.dumps matches CPython (order, int vs float, duplicates, NaN)', () => {
  for (const [src, want] of PY.objects) assert.equal(pyDumps(pyLoads(src)), want, src);
});

test('json.loads refuses what CPython refuses, with DECODE_ERROR', () => {
  for (const src of PY.rejected) {
    assert.throws(() => pyLoads(src), (e: unknown) => isSecureChatError(e) && e.code === 'DECODE_ERROR', JSON.stringify(src));
  }
  assert.throws(() => pyLoads('['.repeat(100) + ']'.repeat(100)), (e: unknown) => isSecureChatError(e) && e.code === 'DECODE_ERROR');
});

test('json.loads: any input gives a value or DECODE_ERROR; dumps(loads(x)) is a fixed point', () => {
  fc.assert(
    fc.property(fc.oneof(utf16, fc.json(), fc.json().map((j) => j.slice(0, -1))), (src) => {
      let v;
      try {
        v = pyLoads(src);
      } catch (e) {
        assert.ok(isSecureChatError(e) && e.code === 'DECODE_ERROR', String(e));
        return;
      }
      const once = pyDumps(v);
      assert.equal(pyDumps(pyLoads(once)), once);
    }),
    { numRuns: 1000 },
  );
});
