/** fast-check properties of the manifest parser and the chunk state machines (docs/FILES.md §2, §5). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { isSecureChatError } from '../../src/errors.js';
import { sha256 } from '../../src/crypto/hash.js';
import { decodeManifest, encodeManifest, type Manifest } from '../../src/files/manifest.js';
import { pathProblem } from '../../src/files/paths.js';
import { ReceiveMachine } from '../../src/files/receiver.js';
import { fragments, SendMachine } from '../../src/files/sender.js';
import { sealChunk, chunkPlainLength } from '../../src/files/stream.js';
import { MIN_CHUNK_BYTES } from '../../src/files/limits.js';
import type { Position } from '../../src/files/messages.js';

const MANIFEST_CODES = new Set(['FILE_MANIFEST_INVALID', 'FILE_PATH_UNSAFE']);
const component = fc.stringMatching(/^[A-Za-z0-9 _.-]{1,12}$/).filter((c) => c !== '.' && c !== '..');
const path = fc.array(component, { minLength: 1, maxLength: 4 }).map((p) => p.join('/'));
const entry = fc.record({ path, size: fc.integer({ min: 0, max: 2 ** 36 }), sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }), key: fc.uint8Array({ minLength: 32, maxLength: 32 }) });
const manifest = fc.record({
  chunkSize: fc.integer({ min: 64, max: 256 }).map((n) => n * 4096),
  entries: fc.uniqueArray(entry, { minLength: 1, maxLength: 8, selector: (e) => e.path.toLowerCase() }),
}).filter((m) => m.entries.every((a) => m.entries.every((b) => !b.path.toLowerCase().startsWith(`${a.path.toLowerCase()}/`))));

describe('manifest parser', () => {
  it('decode(encode(m)) gives back m, byte for byte', () => {
    fc.assert(fc.property(manifest, (m: Manifest) => {
      const b = encodeManifest(m);
      const d = decodeManifest(b);
      assert.deepEqual(encodeManifest(d), b);
      assert.equal(d.entries.length, m.entries.length);
    }));
  });

  it('arbitrary bytes are refused with a manifest code, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      try {
        decodeManifest(b);
      } catch (e) {
        assert.ok(isSecureChatError(e) && MANIFEST_CODES.has(e.code), String(e));
      }
    }), { numRuns: 2000 });
  });

  it('a mutated manifest decodes to a valid manifest or is refused with a manifest code', () => {
    fc.assert(fc.property(manifest, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, x) => {
      const b = Uint8Array.from(encodeManifest(m));
      b[at % b.length] = (b[at % b.length] ?? 0) ^ x;
      try {
        const d = decodeManifest(b);
        for (const e of d.entries) assert.equal(pathProblem(e.path), undefined);
      } catch (e) {
        assert.ok(isSecureChatError(e) && MANIFEST_CODES.has(e.code), String(e));
      }
    }));
  });

  it('no accepted path climbs out, is absolute or holds a control character', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (p) => {
      if (pathProblem(p) !== undefined) return;
      // eslint-disable-next-line no-control-regex
      assert.ok(!p.startsWith('/') && !p.split('/').includes('..') && !p.split('/').includes('') && !/[\u0000-\u001f\\]/.test(p));
    }), { numRuns: 2000 });
  });
});

interface Frag { at: Position; offset: number; data: Uint8Array }

/** Two small files sealed into CHUNK fragments, the way the sender makes them. */
function stream(sizes: number[]): { m: Manifest; frags: Frag[]; plain: Uint8Array[] } {
  const cs = MIN_CHUNK_BYTES;
  const plain = sizes.map((n) => new Uint8Array(randomBytes(n)));
  const m: Manifest = { chunkSize: cs, entries: plain.map((p, i) => ({ path: `f${i}`, size: p.length, sha256: sha256(p), key: new Uint8Array(randomBytes(32)) })) };
  const s = new SendMachine(m, { file: 0, chunk: 0 }, Number.MAX_SAFE_INTEGER);
  const frags: Frag[] = [];
  for (let at = s.nextChunk(); at !== null; at = s.nextChunk()) {
    const e = m.entries[at.file];
    const p = plain[at.file];
    assert.ok(e !== undefined && p !== undefined);
    const last = at.chunk === s.plan.chunksOf(at.file) - 1;
    const len = chunkPlainLength(e.size, cs, at.chunk);
    const sealed = sealChunk(e.key, at.chunk, last, p.subarray(at.chunk * cs, at.chunk * cs + len));
    for (const f of fragments(sealed.length)) frags.push({ at, offset: f.offset, data: sealed.subarray(f.offset, f.offset + f.length) });
  }
  return { m, frags, plain };
}

describe('chunk state machine', () => {
  const base = stream([MIN_CHUNK_BYTES + 1, 0, 3]);
  const RECEIVE_CODES = new Set(['FILE_CHUNK_ORDER', 'FILE_CHUNK_AUTH', 'FILE_HASH_MISMATCH']);

  it('the fragments in order give back every file', () => {
    const r = new ReceiveMachine(base.m, { file: 0, chunk: 0 });
    const out: Uint8Array[][] = base.plain.map(() => []);
    for (const f of base.frags) {
      const c = r.onFragment(f.at, f.offset, f.data);
      if (c !== null) out[c.at.file]?.push(c.plain);
    }
    assert.ok(r.done);
    out.forEach((o, i) => assert.deepEqual(Buffer.concat(o), Buffer.from(base.plain[i] ?? [])));
  });

  it('any reordering, drop, duplicate or bit flip is refused with its code, and no unverified byte comes out', () => {
    const edit = fc.oneof(
      fc.record({ op: fc.constant('swap' as const), i: fc.nat(), j: fc.nat() }),
      fc.record({ op: fc.constant('drop' as const), i: fc.nat(), j: fc.constant(0) }),
      fc.record({ op: fc.constant('dup' as const), i: fc.nat(), j: fc.nat() }),
      fc.record({ op: fc.constant('flip' as const), i: fc.nat(), j: fc.nat() }),
    );
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
      let frags = base.frags.map((f) => ({ ...f, data: Uint8Array.from(f.data) }));
      for (const e of edits) {
        const i = e.i % frags.length;
        const j = e.j % frags.length;
        const fi = frags[i];
        const fj = frags[j];
        if (fi === undefined || fj === undefined) continue;
        if (e.op === 'swap') [frags[i], frags[j]] = [fj, fi];
        else if (e.op === 'drop') frags = frags.filter((_, k) => k !== i);
        else if (e.op === 'dup') frags.splice(j, 0, { ...fi });
        else fi.data[e.j % fi.data.length] = (fi.data[e.j % fi.data.length] ?? 0) ^ 1;
      }
      const same = frags.length === base.frags.length && frags.every((f, k) => Buffer.from(f.data).equals(Buffer.from(base.frags[k]?.data ?? [])) && f.offset === base.frags[k]?.offset && f.at.file === base.frags[k]?.at.file && f.at.chunk === base.frags[k]?.at.chunk);
      const r = new ReceiveMachine(base.m, { file: 0, chunk: 0 });
      try {
        for (const f of frags) {
          const c = r.onFragment(f.at, f.offset, f.data);
          if (c !== null) {
            const p = base.plain[c.at.file];
            assert.ok(p !== undefined);
            assert.deepEqual(Buffer.from(c.plain), Buffer.from(p.subarray(c.offset, c.offset + c.plain.length)), 'only verified plaintext comes out');
          }
        }
        if (!same) assert.ok(!r.done, 'an altered stream never completes');
      } catch (e) {
        assert.ok(!same, 'the unaltered stream is accepted');
        assert.ok(isSecureChatError(e) && RECEIVE_CODES.has(e.code), String(e));
      }
    }), { numRuns: 100 });
  });

  it('a lying size (more bytes than the manifest says) is FILE_CHUNK_ORDER', () => {
    const m: Manifest = { ...base.m, entries: base.m.entries.map((e, i) => (i === 2 ? { ...e, size: 2 } : e)) };
    const r = new ReceiveMachine(m, { file: 0, chunk: 0 });
    assert.throws(() => {
      for (const f of base.frags) r.onFragment(f.at, f.offset, f.data);
    }, (e: unknown) => isSecureChatError(e) && e.code === 'FILE_CHUNK_ORDER');
  });

  it('resuming at any position with the stored bytes fed back completes', () => {
    fc.assert(fc.property(fc.nat(), (k) => {
      const starts = [{ file: 0, chunk: 0 }, { file: 0, chunk: 1 }, { file: 1, chunk: 0 }, { file: 2, chunk: 0 }];
      const start = starts[k % starts.length] ?? { file: 0, chunk: 0 };
      const r = new ReceiveMachine(base.m, start);
      r.feedStored((base.plain[start.file] ?? new Uint8Array(0)).subarray(0, r.storedBytes));
      const s = new SendMachine(base.m, start);
      const from = base.frags.findIndex((f) => f.at.file === start.file && f.at.chunk === start.chunk);
      for (const f of base.frags.slice(from)) r.onFragment(f.at, f.offset, f.data);
      assert.ok(r.done);
      assert.equal(s.plan.ordinal(start), s.ackedPosition);
    }));
  });

  it('the send window never holds more than its chunks, and a bogus ACK is FILE_CHUNK_ORDER', () => {
    const s = new SendMachine(base.m, { file: 0, chunk: 0 }, 2);
    const a = s.nextChunk();
    const b = s.nextChunk();
    assert.equal(s.nextChunk(), null);
    assert.ok(a !== null && b !== null);
    assert.throws(() => s.onAck({ file: 2, chunk: 0 }), (e: unknown) => isSecureChatError(e) && e.code === 'FILE_CHUNK_ORDER');
    s.onAck(s.plan.next(a));
    assert.notEqual(s.nextChunk(), null);
  });
});
