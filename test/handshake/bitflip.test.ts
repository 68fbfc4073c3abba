/**
 * Bit flips anywhere in each handshake frame, the CRC fixed by the attacker (a flip in the
 * CRC itself is left unfixed): the exact error, and the side that reports it, by position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkKsfParams } from '../../src/crypto/opaque.js';
import { fromUtf8 } from '../../src/crypto/bytes.js';
import { isFrameType } from '../../src/wire/frame.js';
import { MAX_FRAME_PAYLOAD, MAX_KSF_ITERATIONS, MAX_KSF_MEMORY_KIB } from '../../src/limits.js';
import { isWireUsername } from '../../src/handshake/messages.js';
import { fixCrc, getWorld, makeInitiator, makeResponder, run } from './_harness.js';

type Who = 'i' | 'r';
/** The failure is one of `alts` (side, code): where a flip may or may not leave a valid point/key. */
interface Expect { alts: [Who, string][]; field: string }

const HEADER = 6;

/** The expected failure for a flip of `bit` at `pos` of frame `k` (0 CH, 1 SH, 2 CF, 3 SF). */
function expectFor(k: number, frame: Uint8Array, pos: number, bit: number): Expect {
  const receiver: Who = k % 2 === 0 ? 'r' : 'i';
  const at = (who: Who, field: string, code: string): Expect => ({ alts: [[who, code]], field });
  const either = (field: string): Expect => ({ alts: [['i', 'AUTH_FAILED'], ['r', 'DECODE_ERROR']], field });
  const len = frame.length - HEADER - 4;
  if (pos === 0) return at(receiver, 'version', 'FRAME_MALFORMED');
  if (pos === 1) {
    const t = (frame[1]! ^ bit);
    return at(receiver, 'type', !isFrameType(t) ? 'FRAME_MALFORMED' : t === 0x05 ? 'PEER_ALERT' : 'UNEXPECTED_MESSAGE');
  }
  if (pos < HEADER) {
    const v = new DataView(frame.buffer, frame.byteOffset).getUint32(2) ^ (bit << (8 * (5 - pos)));
    const l = v >>> 0;
    return at(receiver, 'length', l === 0 ? 'FRAME_MALFORMED' : l > MAX_FRAME_PAYLOAD ? 'FRAME_TOO_LARGE' : l > len ? 'FRAME_TRUNCATED' : 'FRAME_CORRUPT');
  }
  if (pos >= HEADER + len) return at(receiver, 'crc', 'FRAME_CORRUPT');
  const p = pos - HEADER;
  const b = frame.subarray(HEADER, HEADER + len);
  if (k === 0) {
    const nSuites = b[2]!;
    const acc = 3 + nSuites + 32; // account length offset
    const accLen = b[acc]!;
    const ke1 = acc + 1 + accLen; // ke1 length offset
    if (p === 0) return at('r', 'versions length', 'DECODE_ERROR');
    if (p === 1) return at('r', 'versions', 'UNSUPPORTED_VERSION');
    if (p === 2) return at('r', 'suites length', 'DECODE_ERROR');
    if (p < 3 + nSuites) return at('r', 'suites', 'AUTH_FAILED');
    if (p < acc) return at('r', 'nonce', 'AUTH_FAILED');
    if (p === acc) return at('r', 'account length', 'DECODE_ERROR');
    if (p < ke1) {
      const name = Uint8Array.from(b.subarray(acc + 1, ke1));
      name[p - acc - 1]! ^= bit;
      let valid = false;
      try { valid = isWireUsername(fromUtf8(name)); } catch { valid = false; }
      return valid ? at('i', 'account (another, unknown)', 'AUTH_FAILED') : at('r', 'account (invalid)', 'DECODE_ERROR');
    }
    if (p < ke1 + 2) return at('r', 'ke1 length', 'DECODE_ERROR');
    const k1 = p - ke1 - 2;
    if (k1 < 32) return either('ke1 blinded element (valid point or not)');
    if (k1 < 64) return at('i', 'ke1 client nonce', 'AUTH_FAILED');
    if (k1 < 96) return either('ke1 client keyshare (valid point or not)');
    if (p >= len - 32) return at('r', 'ML-KEM ek rho', 'AUTH_FAILED');
    return { alts: [['r', 'AUTH_FAILED'], ['r', 'DECODE_ERROR']], field: 'ML-KEM ek t (FIPS 203 modulus check or transcript)' };
  }
  if (k === 1) {
    if (p === 0) return at('i', 'version', 'UNSUPPORTED_VERSION');
    if (p === 1) return [1, 2, 3].includes(b[1]! ^ bit) ? at('r', 'suite', 'AUTH_FAILED') : at('i', 'suite', 'NO_COMMON_SUITE');
    if (p < 34) return at('r', 'nonce', 'AUTH_FAILED');
    if (p < 43) {
      const x = Uint8Array.from(b.subarray(34, 43));
      x[p - 34]! ^= bit;
      const dv = new DataView(x.buffer);
      const ksf = { memoryKiB: dv.getUint32(0), iterations: dv.getUint32(4), parallelism: x[8]! };
      try {
        checkKsfParams(ksf, { memoryKiB: MAX_KSF_MEMORY_KIB, iterations: MAX_KSF_ITERATIONS });
      } catch {
        return at('i', 'ksf (refused)', 'KSF_PARAMS_REFUSED');
      }
      return at('i', 'ksf (lowered or raised within limits)', 'AUTH_FAILED');
    }
    if (p < 45) return at('i', 'ke2 length', 'DECODE_ERROR');
    if (p < 45 + 320) return at('i', 'ke2', 'AUTH_FAILED');
    return at('r', 'ML-KEM ciphertext', 'AUTH_FAILED');
  }
  if (k === 2) {
    if (p < 2) return at('r', 'ke3 length', 'DECODE_ERROR');
    if (p < 66) return at('r', 'ke3', 'AUTH_FAILED');
    if (p < 68) return at('r', 'sealed length', 'DECODE_ERROR');
    return at('r', 'sealed identity block', 'AUTH_FAILED');
  }
  if (p < 2) return at('i', 'sealed length', 'DECODE_ERROR');
  return at('i', 'sealed identity block', 'AUTH_FAILED');
}

/** Header bytes, every field boundary, and a stride through the long fields. */
function positions(total: number, boundaries: number[]): number[] {
  const s = new Set<number>([0, 1, 2, 3, 4, 5, total - 4, total - 1]);
  for (const x of boundaries) for (const d of [-1, 0, 1]) if (x + d >= 6 && x + d < total) s.add(x + d);
  for (let x = 6; x < total - 4; x += 97) s.add(x);
  return [...s].sort((a, b) => a - b);
}

const BOUNDS: Record<number, number[]> = {
  0: [6, 7, 8, 9, 12, 44, 50, 52, 84, 116, 148, 148 + 1184 - 32],
  1: [6, 7, 8, 40, 44, 48, 49, 51, 371],
  2: [6, 8, 72, 74],
  3: [6, 8],
};

for (const k of [0, 1, 2, 3]) {
  test(`bit flips in ${['ClientHello', 'ServerHello', 'ClientFinish', 'ServerFinish'][k]!} (CRC fixed): the exact error by position`, async () => {
    const w = await getWorld();
    const sample = run(makeInitiator(w), makeResponder(w)).wire[k]!.bytes;
    for (const pos of positions(sample.length, BOUNDS[k]!)) {
      for (const bit of pos >= 34 + 6 && pos < 43 + 6 && k === 1 ? [0x01] : [0x01, 0x20, 0x80]) {
        let seen: Uint8Array | null = null;
        const o = run(makeInitiator(w), makeResponder(w), (_d, b, n) => {
          if (n !== k) return [b];
          seen = b.slice();
          const x = b.slice();
          x[pos]! ^= bit;
          return [pos >= x.length - 4 ? x : fixCrc(x)];
        }, true);
        const e = expectFor(k, seen!, pos, bit);
        const where = `frame ${k} byte ${pos} bit ${bit} (${e.field})`;
        const got = `i=${o.i.error?.code ?? '-'} r=${o.r.error?.code ?? '-'}`;
        assert.ok(e.alts.some(([who, code]) => (who === 'i' ? o.i : o.r).error?.code === code), `${where}: got ${got}, expected ${e.alts.map((a) => a.join('=')).join(' or ')}`);
        assert.equal(o.i.result, undefined, `${where}: initiator must not complete`);
        if (k < 3) assert.equal(o.r.result, undefined, `${where}: responder must not complete`);
      }
    }
  });
}
