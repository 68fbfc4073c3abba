/**
 * An attacker on the path (or a misbehaving peer) against the record layer: every attack ends
 * in the exact error code of docs/PROTOCOL.md §3 / §6, and a failed session refuses everything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SUITE_NAMES, type SuiteId } from '../../src/crypto/aead.js';
import { FRAME_HEADER_BYTES, MAX_FRAME_PAYLOAD } from '../../src/limits.js';
import { FrameType, decodeOneFrame } from '../../src/wire/frame.js';
import { Pair, SUITES, bytes, codeOf, feed, fixCrc, flipBit } from './_pair.js';

const rx = (p: Pair, raw: Uint8Array): string => codeOf(() => feed(p.r, raw));

describe('replay, reorder, deletion, duplication, reflection', () => {
  for (const suite of SUITES) {
    const name = SUITE_NAMES[suite];
    it(`${name}: replay of an accepted record → RECORD_REPLAY`, () => {
      const p = new Pair(suite);
      const [a] = p.send(p.i, bytes(4, 1));
      const [b] = p.send(p.i, bytes(4, 2));
      feed(p.r, a!);
      feed(p.r, b!);
      assert.equal(rx(p, a!), 'RECORD_REPLAY');
      assert.equal(p.r.session.state, 'failed');
    });
    it(`${name}: duplication → RECORD_REPLAY`, () => {
      const p = new Pair(suite);
      const [a] = p.send(p.i, bytes(4, 1));
      assert.deepEqual(feed(p.r, a!), [bytes(4, 1)]);
      assert.equal(rx(p, a!), 'RECORD_REPLAY');
    });
    it(`${name}: reorder → RECORD_GAP`, () => {
      const p = new Pair(suite);
      p.send(p.i, bytes(4, 1));
      const [b] = p.send(p.i, bytes(4, 2));
      assert.equal(rx(p, b!), 'RECORD_GAP');
    });
    it(`${name}: deletion → RECORD_GAP`, () => {
      const p = new Pair(suite);
      const [a] = p.send(p.i, bytes(4, 1));
      p.send(p.i, bytes(4, 2));
      const [c] = p.send(p.i, bytes(4, 3));
      feed(p.r, a!);
      assert.equal(rx(p, c!), 'RECORD_GAP');
    });
    it(`${name}: reflection of a party's own record → AUTH_FAILED`, () => {
      const p = new Pair(suite);
      const [a] = p.send(p.i, bytes(4, 1));
      assert.equal(codeOf(() => feed(p.i, a!)), 'AUTH_FAILED');
    });
  }

  it('a failed session refuses everything after, and has wiped its keys', () => {
    const p = new Pair(0x01);
    const [a] = p.send(p.i, bytes(4, 1));
    const [b] = p.send(p.i, bytes(4, 2));
    assert.equal(rx(p, b!), 'RECORD_GAP');
    assert.equal(p.r.session.state, 'failed');
    assert.equal(codeOf(() => p.r.session.receive(decodeOneFrame(a!), 0, p.r.random)), 'SESSION_CLOSED');
    assert.equal(codeOf(() => p.r.session.sendApp(bytes(1), 0, p.r.random)), 'SESSION_CLOSED');
    assert.equal(codeOf(() => p.r.session.tick(0, p.r.random)), 'NO_ERROR');
    assert.equal(codeOf(() => p.r.session.close()), 'SESSION_CLOSED');
    assert.equal(codeOf(() => p.r.session.end()), 'SESSION_CLOSED');
  });
});

/** What §3 says about a frame whose header was changed to `h` (the rest as sent). */
function headerVerdict(h: Uint8Array, originalLength: number): string {
  if (h[0] !== 1) return 'FRAME_MALFORMED';
  if (h[1] !== FrameType.RECORD) return h[1] === 0x01 || h[1] === 0x02 || h[1] === 0x03 || h[1] === 0x04 || h[1] === 0x05 ? 'UNEXPECTED_MESSAGE' : 'FRAME_MALFORMED';
  const len = new DataView(h.buffer, h.byteOffset).getUint32(2);
  if (len === 0) return 'FRAME_MALFORMED';
  if (len > MAX_FRAME_PAYLOAD) return 'FRAME_TOO_LARGE';
  if (len > originalLength) return 'FRAME_TRUNCATED'; // waits for bytes that never come
  return 'FRAME_CORRUPT'; // the CRC is read from inside the payload
}

/** Feeds `raw` to a receiver that expects seq 1, then ends the stream; returns the first error. */
function verdict(suite: SuiteId, mutate: (frame: Uint8Array) => Uint8Array): { code: string; frameLength: number } {
  const p = new Pair(suite);
  const [first] = p.send(p.i, bytes(5, 1));
  const [second] = p.send(p.i, bytes(5, 2));
  feed(p.r, first!);
  const code = codeOf(() => {
    const app = feed(p.r, mutate(second!));
    assert.equal(app.length, 0, 'a mutated record must never deliver data');
    p.r.decoder.end();
    p.r.session.end();
  });
  return { code, frameLength: second!.length };
}

function recordLength(suite: SuiteId): number {
  const p = new Pair(suite);
  return p.send(p.i, bytes(5, 2))[0]!.length;
}

describe('bit flips at every position of a RECORD frame', () => {
  for (const suite of SUITES) {
    it(`${SUITE_NAMES[suite]}: CRC left bad → FRAME_CORRUPT (or the header rule that fires first)`, () => {
      const len = recordLength(suite);
      for (let bit = 0; bit < len * 8; bit++) {
        let header: Uint8Array | undefined;
        const { code } = verdict(suite, (f) => {
          const m = flipBit(f, bit);
          header = m.subarray(0, FRAME_HEADER_BYTES);
          return m;
        });
        const want = bit >> 3 < FRAME_HEADER_BYTES ? headerVerdict(header!, len - FRAME_HEADER_BYTES - 4) : 'FRAME_CORRUPT';
        assert.equal(code, want, `bit ${bit}`);
      }
    });

    it(`${SUITE_NAMES[suite]}: CRC recomputed by the attacker → the code for that position`, () => {
      const frameLength = recordLength(suite);
      const payloadLength = frameLength - FRAME_HEADER_BYTES - 4;
      const seen = new Map<string, number>();
      for (let bit = 0; bit < (frameLength - 4) * 8; bit++) {
        const byte = bit >> 3;
        let header: Uint8Array | undefined;
        const { code } = verdict(suite, (f) => {
          const m = fixCrc(flipBit(f, bit));
          header = m.subarray(0, FRAME_HEADER_BYTES);
          return m;
        });
        let want: string;
        if (byte < FRAME_HEADER_BYTES) want = headerVerdict(header!, payloadLength);
        else if (byte < FRAME_HEADER_BYTES + 8) want = bit === (FRAME_HEADER_BYTES + 8) * 8 - 8 ? 'RECORD_REPLAY' : 'RECORD_GAP';
        else want = 'AUTH_FAILED';
        assert.equal(code, want, `bit ${bit} (byte ${byte})`);
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }
      // Every §3 / §6.3 outcome occurs somewhere in the frame.
      for (const c of ['FRAME_MALFORMED', 'FRAME_TOO_LARGE', 'FRAME_CORRUPT', 'FRAME_TRUNCATED', 'RECORD_REPLAY', 'RECORD_GAP', 'AUTH_FAILED']) {
        assert.ok(seen.has(c), `no bit gave ${c}`);
      }
    });
  }
});
