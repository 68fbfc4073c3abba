/** Valid, authenticated records in the wrong place, and malformed contents (a buggy or hostile peer). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concat, u8, u64be } from '../../src/crypto/bytes.js';
import { x25519PublicFromPrivate } from '../../src/crypto/ecc.js';
import { mlkemKeygen, MLKEM768_CT_BYTES } from '../../src/crypto/mlkem.js';
import { MAX_SEQUENCE } from '../../src/limits.js';
import { ContentType, encodeContent } from '../../src/session/content.js';
import { sealRecord } from '../../src/session/record.js';
import { encodeFrame, FrameType } from '../../src/wire/frame.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { Session } from '../../src/session/session.js';
import { Pair, bytes, codeOf, feed, fixCrc, forgeRecord, handshakeResult, randomKeys } from './_pair.js';

const seed = (b: number): Uint8Array => new Uint8Array(64).fill(b);
const goodInit = (): Uint8Array =>
  encodeContent({ type: ContentType.REKEY_INIT, x25519Pub: x25519PublicFromPrivate(new Uint8Array(32).fill(7)), mlkemEk: mlkemKeygen(seed(1)).encapsulationKey });

/** R receives the forged I→R record `inner` as record 0. */
function rCode(inner: Uint8Array, suite: 0x01 | 0x02 | 0x03 = 0x01): string {
  const p = new Pair(suite);
  return codeOf(() => feed(p.r, forgeRecord(p.keys.chainI2R, suite, 0, inner)));
}

describe('protocol violations inside authenticated records', () => {
  it('unknown content types → DECODE_ERROR', () => {
    for (const t of [0x00, 0x06, 0x7f, 0xff]) assert.equal(rCode(Uint8Array.of(t, 1, 2)), 'DECODE_ERROR', `type ${t}`);
  });

  it('contents of the wrong length → DECODE_ERROR', () => {
    const init = goodInit();
    assert.equal(rCode(init.subarray(0, init.length - 1)), 'DECODE_ERROR');
    assert.equal(rCode(concat(init, u8(0))), 'DECODE_ERROR');
    assert.equal(rCode(concat(u8(ContentType.REKEY_REPLY), new Uint8Array(32 + MLKEM768_CT_BYTES - 1))), 'DECODE_ERROR');
    assert.equal(rCode(Uint8Array.of(ContentType.REKEY_DONE, 0)), 'DECODE_ERROR');
    assert.equal(rCode(concat(u8(ContentType.CLOSE), u64be(0))), 'DECODE_ERROR');
    assert.equal(rCode(concat(u8(ContentType.CLOSE), u64be(0), Uint8Array.of(0, 0))), 'DECODE_ERROR');
    assert.equal(rCode(concat(u8(ContentType.CLOSE), u64be(0), u8(3))), 'DECODE_ERROR', 'unknown close reason');
    assert.equal(rCode(concat(u8(ContentType.APP), new Uint8Array(65_537))), 'DECODE_ERROR');
    assert.equal(rCode(Uint8Array.of()), 'DECODE_ERROR');
  });

  it('REKEY_REPLY without an INIT, REKEY_DONE when none is expected → UNEXPECTED_MESSAGE', () => {
    assert.equal(rCode(concat(u8(ContentType.REKEY_REPLY), new Uint8Array(32 + MLKEM768_CT_BYTES).fill(9))), 'UNEXPECTED_MESSAGE');
    assert.equal(rCode(u8(ContentType.REKEY_DONE)), 'UNEXPECTED_MESSAGE');
  });

  it('a second INIT while one is being answered → UNEXPECTED_MESSAGE', () => {
    const p = new Pair(0x01);
    const first = forgeRecord(p.keys.chainI2R, 0x01, 0, goodInit());
    assert.equal(feed(p.r, first).length, 0);
    assert.equal(p.r.session.rekeyPending, true);
    assert.equal(codeOf(() => feed(p.r, forgeRecord(p.keys.chainI2R, 0x01, 1, goodInit()))), 'UNEXPECTED_MESSAGE');
  });

  it('a small-order X25519 key in REKEY_INIT → AUTH_FAILED; a bad ML-KEM key → DECODE_ERROR', () => {
    const ek = mlkemKeygen(seed(2)).encapsulationKey;
    for (const pub of [new Uint8Array(32), Uint8Array.of(1, ...new Array<number>(31).fill(0))]) {
      assert.equal(rCode(concat(u8(ContentType.REKEY_INIT), pub, ek)), 'AUTH_FAILED');
    }
    const badEk = ek.slice();
    badEk.fill(0xff, 0, 384); // coefficients ≥ q fail FIPS 203's modulus check
    assert.equal(rCode(concat(u8(ContentType.REKEY_INIT), x25519PublicFromPrivate(new Uint8Array(32).fill(3)), badEk)), 'DECODE_ERROR');
  });

  it('a frame other than RECORD → UNEXPECTED_MESSAGE; a payload shorter than seq → DECODE_ERROR', () => {
    const p = new Pair(0x01);
    assert.equal(codeOf(() => feed(p.r, encodeFrame(FrameType.ALERT, u8(1)).raw)), 'UNEXPECTED_MESSAGE');
    const q = new Pair(0x01);
    assert.equal(codeOf(() => feed(q.r, encodeFrame(FrameType.RECORD, new Uint8Array(7)).raw)), 'DECODE_ERROR');
    const s = new Pair(0x01);
    assert.equal(codeOf(() => feed(s.r, encodeFrame(FrameType.RECORD, new Uint8Array(8)).raw)), 'AUTH_FAILED');
  });

  it('a sequence number above 2^53-1 is RECORD_GAP, not a misread', () => {
    const p = new Pair(0x01);
    const f = p.send(p.i, bytes(1))[0]!.slice();
    f.fill(0xff, 6, 14);
    assert.equal(codeOf(() => feed(p.r, fixCrc(f))), 'RECORD_GAP');
  });

  it('counters never wrap: sealing past MAX_SEQUENCE is refused', () => {
    const m = new Uint8Array(44);
    assert.ok(sealRecord(0x01, m, MAX_SEQUENCE, u8(4)).length > 0);
    assert.equal(codeOf(() => sealRecord(0x01, m, MAX_SEQUENCE + 1, u8(4))), 'LIMIT_REACHED');
  });

  it('local refusals change nothing: an oversize payload is refused and the session goes on', () => {
    const p = new Pair(0x01);
    assert.equal(codeOf(() => p.send(p.i, new Uint8Array(65_537))), 'INTERNAL');
    assert.equal(p.i.session.stats.recordsSent, 0);
    p.send(p.i, bytes(2));
    p.flush();
    assert.deepEqual(p.r.received, [bytes(2)]);
  });

  it('the session takes ownership of the handshake keys and wipes them', () => {
    const keys = randomKeys(deterministicRandom('own'));
    const r = handshakeResult('initiator', 0x01, keys);
    Session.fromHandshake(r, { now: 0 });
    for (const k of [r.root, r.chainI2R, r.chainR2I]) assert.ok(k.every((b) => b === 0));
    assert.ok(keys.root.some((b) => b !== 0));
  });
});
