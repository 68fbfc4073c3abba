import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { u32be } from '../../src/crypto/bytes.js';
import { SecureChatError } from '../../src/errors.js';
import { FRAME_HEADER_BYTES, MAX_FRAME_PAYLOAD } from '../../src/limits.js';
import { decodeOneFrame, encodeFrame, FrameDecoder, FrameType, isFrameType, type Frame } from '../../src/wire/frame.js';

const TYPES = Object.values(FrameType);
const arbType = fc.constantFrom(...TYPES);
/** Mostly small payloads, sometimes up to the maximum. */
const arbPayload = fc.oneof(
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }), weight: 8 },
  { arbitrary: fc.integer({ min: 1, max: MAX_FRAME_PAYLOAD }).map((n) => new Uint8Array(n).fill(n & 0xff)), weight: 1 },
);

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SecureChatError) return e.code;
    throw e;
  }
  return 'NO_ERROR';
}

/** A frame header with arbitrary fields and a valid CRC over whatever follows. */
function rawFrame(version: number, type: number, length: number, payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  body[0] = version;
  body[1] = type;
  body.set(u32be(length), 2);
  body.set(payload, FRAME_HEADER_BYTES);
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  out.set(u32be(crc32(body) >>> 0), body.length);
  return out;
}

/** Splits `b` at the given cut points. */
function split(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

const concatAll = (bs: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(bs));

describe('frame codec properties', () => {
  it('encode → decode round trip for any type and payload (1..MAX)', () => {
    fc.assert(
      fc.property(arbType, arbPayload, (type, payload) => {
        const f = encodeFrame(type, payload);
        const d = decodeOneFrame(f.raw);
        assert.equal(d.type, type);
        assert.deepEqual(d.payload, payload);
        assert.deepEqual(d.raw, f.raw);
      }),
      { numRuns: 200 },
    );
  });

  it('any split of the byte stream into chunks gives the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arbType, fc.uint8Array({ minLength: 1, maxLength: 300 })), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (specs, cuts) => {
          const frames = specs.map(([t, p]) => encodeFrame(t, p));
          const stream = concatAll(frames.map((f) => f.raw));
          const d = new FrameDecoder();
          const got: Frame[] = [];
          for (const chunk of split(stream, cuts)) got.push(...d.push(chunk));
          d.end();
          assert.equal(d.buffered, 0);
          assert.deepEqual(
            got.map((f) => [f.type, f.raw]),
            frames.map((f) => [f.type, f.raw]),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any byte string yields frames or a SecureChatError, never another exception', () => {
    const arbBytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // Streams that start like a frame, so the decoder gets past the header checks.
      fc.tuple(arbType, fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.uint8Array({ maxLength: 30 }), fc.nat()).map(([t, p, junk, cut]) => {
        const s = concatAll([encodeFrame(t, p).raw, junk]);
        return s.subarray(0, cut % (s.length + 1));
      }),
    );
    fc.assert(
      fc.property(arbBytes, fc.array(fc.nat(), { maxLength: 10 }), (b, cuts) => {
        const d = new FrameDecoder();
        try {
          for (const chunk of split(b, cuts)) {
            for (const f of d.push(chunk)) {
              assert.ok(isFrameType(f.type));
              assert.ok(f.payload.length >= 1 && f.payload.length <= MAX_FRAME_PAYLOAD);
            }
          }
          d.end();
        } catch (e) {
          assert.ok(e instanceof SecureChatError, `not a SecureChatError: ${String(e)}`);
          assert.ok(['FRAME_MALFORMED', 'FRAME_TOO_LARGE', 'FRAME_CORRUPT', 'FRAME_TRUNCATED'].includes(e.code));
          // Poisoned: every later call throws the same error.
          assert.throws(() => d.push(new Uint8Array(1)), (e2) => e2 === e);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('frame codec: each rule of §3', () => {
  const ok = rawFrame(1, FrameType.RECORD, 3, Uint8Array.of(1, 2, 3));

  it('a valid frame decodes', () => {
    const f = decodeOneFrame(ok);
    assert.equal(f.type, FrameType.RECORD);
    assert.deepEqual(f.payload, Uint8Array.of(1, 2, 3));
  });

  it('1. bad version → FRAME_MALFORMED (from the header alone)', () => {
    for (const v of [0, 2, 0x81, 0xff]) {
      assert.equal(codeOf(() => new FrameDecoder().push(rawFrame(v, FrameType.RECORD, 3, Uint8Array.of(1, 2, 3)).subarray(0, 6))), 'FRAME_MALFORMED');
    }
  });

  it('2. unknown type → FRAME_MALFORMED', () => {
    for (let t = 0; t < 256; t++) {
      if (isFrameType(t)) continue;
      assert.equal(codeOf(() => new FrameDecoder().push(rawFrame(1, t, 3, Uint8Array.of(1, 2, 3)))), 'FRAME_MALFORMED', `type ${t}`);
    }
  });

  it('3. zero length → FRAME_MALFORMED', () => {
    assert.equal(codeOf(() => new FrameDecoder().push(rawFrame(1, FrameType.RECORD, 0, new Uint8Array(0)))), 'FRAME_MALFORMED');
  });

  it('4. oversize → FRAME_TOO_LARGE with only the 6 header bytes seen', () => {
    for (const len of [MAX_FRAME_PAYLOAD + 1, 0x0100_0000, 0xffff_ffff]) {
      const d = new FrameDecoder();
      assert.equal(codeOf(() => d.push(rawFrame(1, FrameType.RECORD, len, new Uint8Array(0)).subarray(0, 6))), 'FRAME_TOO_LARGE');
    }
    // The maximum itself is accepted (the decoder waits for the rest).
    const d = new FrameDecoder();
    assert.deepEqual(d.push(rawFrame(1, FrameType.RECORD, MAX_FRAME_PAYLOAD, new Uint8Array(0)).subarray(0, 6)), []);
    assert.equal(d.buffered, 6);
  });

  it('4. the header checks run in order: version before type before length', () => {
    assert.equal(codeOf(() => new FrameDecoder().push(rawFrame(2, 0x77, 0xffff_ffff, new Uint8Array(0)).subarray(0, 6))), 'FRAME_MALFORMED');
    assert.equal(codeOf(() => new FrameDecoder().push(rawFrame(1, 0x77, 0xffff_ffff, new Uint8Array(0)).subarray(0, 6))), 'FRAME_MALFORMED');
    assert.equal(codeOf(() => new FrameDecoder().push(rawFrame(1, 0x10, 0xffff_ffff, new Uint8Array(0)).subarray(0, 6))), 'FRAME_TOO_LARGE');
  });

  it('fewer than 6 bytes: nothing is decided yet', () => {
    const d = new FrameDecoder();
    assert.deepEqual(d.push(Uint8Array.of(9, 9, 9, 9, 9)), []);
    assert.equal(codeOf(() => d.push(Uint8Array.of(9))), 'FRAME_MALFORMED');
  });

  it('5. CRC mismatch → FRAME_CORRUPT, in every bit of the CRC and of the covered bytes', () => {
    for (let bit = 0; bit < ok.length * 8; bit++) {
      const bad = ok.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const code = codeOf(() => decodeOneFrame(bad));
      // Header bits may be caught by an earlier rule or change the length.
      if (bit >= 6 * 8) assert.equal(code, 'FRAME_CORRUPT', `bit ${bit}`);
      else assert.ok(['FRAME_MALFORMED', 'FRAME_TOO_LARGE', 'FRAME_CORRUPT', 'FRAME_TRUNCATED'].includes(code), `bit ${bit}: ${code}`);
    }
  });

  it('6. the stream ends mid-frame → FRAME_TRUNCATED (at every cut)', () => {
    for (let cut = 1; cut < ok.length; cut++) {
      const d = new FrameDecoder();
      d.push(ok.subarray(0, cut));
      assert.equal(codeOf(() => d.end()), 'FRAME_TRUNCATED', `cut ${cut}`);
    }
    const d = new FrameDecoder();
    d.push(ok);
    d.end();
  });

  it('encodeFrame refuses empty and oversize payloads locally', () => {
    assert.equal(codeOf(() => encodeFrame(FrameType.RECORD, new Uint8Array(0))), 'INTERNAL');
    assert.equal(codeOf(() => encodeFrame(FrameType.RECORD, new Uint8Array(MAX_FRAME_PAYLOAD + 1))), 'INTERNAL');
  });
});

describe('frame decoder memory (issue 10, finding 5)', () => {
  // A 66 559-byte frame (the size of the original report), as a hostile or merely slow peer
  // might send it: one byte per write. Each byte arrives as a view of its own socket read
  // buffer, as node:net delivers it (one 64 KiB allocation per read). The decoder must hold one
  // buffer of the announced size, whatever the chunking, and never any pushed chunk.
  const TOTAL = 66_559;
  const payload = new Uint8Array(TOTAL - FRAME_HEADER_BYTES - 4).map((_, i) => (i * 7) & 0xff);
  const frame = encodeFrame(FrameType.RECORD, payload).raw;

  it('one byte per push: what the decoder holds is the announced size, at every byte', () => {
    const d = new FrameDecoder();
    let got: Frame[] = [];
    for (let i = 0; i < frame.length; i++) {
      got = d.push(frame.slice(i, i + 1));
      if (i < frame.length - 1) {
        assert.equal(got.length, 0);
        assert.equal(d.buffered, i + 1);
        // Up to 5 header bytes, then exactly one buffer of the frame's size.
        assert.equal(d.retainedBytes, i + 1 < FRAME_HEADER_BYTES ? i + 1 : TOTAL, `after byte ${i}`);
      }
    }
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]?.payload, payload);
    assert.equal(d.retainedBytes, 0);
  });

  it('keeps no pushed chunk: changing a chunk after push changes nothing, and the chunks can be collected', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const d = new FrameDecoder();
    const SAMPLE = 2_000; // the first 2 000 bytes, each in its own 8 KiB "socket buffer"
    /** Pushes byte `i` in a fresh buffer, then spoils it; returns a weak reference to that buffer. */
    const pushOne = (i: number): WeakRef<ArrayBuffer> => {
      const backing = new ArrayBuffer(8 * 1024);
      const chunk = new Uint8Array(backing, 100, 1);
      chunk[0] = frame[i]!;
      assert.equal(d.push(chunk).length, 0);
      chunk[0] = chunk[0] ^ 0xff; // a decoder that kept a view would now see a different byte
      return new WeakRef(backing);
    };
    const refs = Array.from({ length: SAMPLE }, (_, i) => pushOne(i));
    d.push(frame.slice(SAMPLE, SAMPLE + 1)); // one more push, from another buffer
    // WeakRefs are only cleared after the current job: let it end, then collect.
    await new Promise((r) => setImmediate(r));
    gc();
    await new Promise((r) => setImmediate(r));
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    assert.equal(alive, 0, `${alive} of ${SAMPLE} pushed chunks are still reachable from the decoder`);
    assert.equal(d.retainedBytes, TOTAL);
    let got: Frame[] = [];
    for (let i = SAMPLE + 1; i < frame.length; i += 997) got = d.push(frame.slice(i, Math.min(frame.length, i + 997)));
    assert.equal(got.length, 1, 'the frame decodes (a kept, changed chunk would fail its CRC)');
    assert.deepEqual(got[0]?.payload, payload);
  });

  it('an oversize header is refused before anything is allocated, even split byte by byte', () => {
    const d = new FrameDecoder();
    const h = Uint8Array.of(1, FrameType.RECORD, 0xff, 0xff, 0xff, 0xff);
    for (let i = 0; i < 5; i++) assert.equal(d.push(h.subarray(i, i + 1)).length, 0);
    assert.equal(codeOf(() => d.push(h.subarray(5, 6))), 'FRAME_TOO_LARGE');
    assert.equal(d.retainedBytes, 0);
  });
});
