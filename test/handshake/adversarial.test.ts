/**
 * An adversarial peer / man in the middle against the handshake, asserting the exact error
 * code on each side (docs/PROTOCOL.md §4) and the ALERT each failing side sends (§4.6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SuiteId } from '../../src/crypto/aead.js';
import { concat, ctEqual, toHex } from '../../src/crypto/bytes.js';
import { mlkemDecapsulate, mlkemEncapsulate, mlkemKeygen } from '../../src/crypto/mlkem.js';
import { clientStartLogin, createServerSetup, KSF_TEST } from '../../src/crypto/opaque.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { remoteError, type SecureChatError } from '../../src/errors.js';
import { decodeOneFrame, encodeFrame, FrameType, type Frame } from '../../src/wire/frame.js';
import { alertFor, AlertCode, PeerAlertError } from '../../src/handshake/alert.js';
import { decodeServerHello } from '../../src/handshake/messages.js';
import type { PeerIdentity } from '../../src/handshake/result.js';
import { errorOf, getWorld, identity, makeInitiator, makeResponder, run, type Outcome, type Side } from './_harness.js';
import { both, onFrame, rewriteCF, rewriteCH, rewriteSH } from './_mitm.js';

const frame = (b: Uint8Array): Frame => decodeOneFrame(b);
const alertByte = (s: Side): number | undefined => {
  const last = s.sent.at(-1);
  return last !== undefined && last[1] === FrameType.ALERT ? last[6] : undefined;
};
function assertNoResult(o: Outcome): void {
  assert.equal(o.i.result, undefined, 'initiator must not complete');
  assert.equal(o.r.result, undefined, 'responder must not complete');
}
function peerAlert(s: Side, name: keyof typeof AlertCode): void {
  assert.equal(s.error?.code, 'PEER_ALERT');
  assert.ok(s.error instanceof PeerAlertError);
  assert.equal(s.error.alert, name);
}

test('wrong password: initiator AUTH_FAILED + ALERT handshake_failed; responder PEER_ALERT handshake_failed after ServerHello', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w, { password: utf8('wrong horse') }), makeResponder(w));
  assertNoResult(o);
  assert.equal(o.i.error?.code, 'AUTH_FAILED');
  assert.equal(o.i.error?.side, 'remote');
  assert.equal(alertByte(o.i), AlertCode.handshake_failed);
  peerAlert(o.r, 'handshake_failed');
  assert.equal(o.r.sentHello, true, 'counts as a failed attempt (§4.8)');
  assert.equal(alertByte(o.r), undefined, 'an alert is never answered');
});

test('all authentication failures send the identical ALERT frame', () => {
  const a = alertFor(remoteError('AUTH_FAILED', 'opaque'))!;
  const b = alertFor(remoteError('AUTH_FAILED', 'signature'))!;
  const c = alertFor(remoteError('IDENTITY_MISMATCH', 'x'))!;
  assert.ok(ctEqual(a, b) && ctEqual(a, c));
  assert.equal(alertFor(new PeerAlertError('busy')), null);
  assert.equal(alertFor(remoteError('INTERNAL', 'x')), null);
});

test('unknown account: fake record, indistinguishable ServerHello, AUTH_FAILED', async () => {
  const w = await getWorld();
  const real = run(makeInitiator(w, { password: utf8('guess') }), makeResponder(w));
  const fake = run(makeInitiator(w, { account: 'carol', password: utf8('guess') }), makeResponder(w));
  assertNoResult(fake);
  assert.equal(fake.i.error?.code, 'AUTH_FAILED');
  assert.equal(alertByte(fake.i), AlertCode.handshake_failed);
  peerAlert(fake.r, 'handshake_failed');
  const shReal = decodeServerHello(frame(real.wire[1]!.bytes).payload);
  const shFake = decodeServerHello(frame(fake.wire[1]!.bytes).payload);
  assert.equal(real.wire[1]!.bytes.length, fake.wire[1]!.bytes.length);
  assert.deepEqual([shReal.ksfMemoryKiB, shReal.ksfIterations, shReal.ksfParallelism], [shFake.ksfMemoryKiB, shFake.ksfIterations, shFake.ksfParallelism]);
  // a responder with no record at all behaves the same
  const none = run(makeInitiator(w), makeResponder(w, { record: null }));
  assert.equal(none.i.error?.code, 'AUTH_FAILED');
});

test('MITM substitutes the ML-KEM key and re-encapsulates: AUTH_FAILED at confirmation (responder)', async () => {
  const w = await getWorld();
  const mine = mlkemKeygen(new Uint8Array(64).fill(7));
  let realEk: Uint8Array = new Uint8Array(0);
  const o = run(makeInitiator(w), makeResponder(w), both(
    onFrame('i2r', FrameType.CLIENT_HELLO, (b) => rewriteCH(b, (m) => { realEk = m.mlkemEk; return { ...m, mlkemEk: mine.encapsulationKey }; })),
    onFrame('r2i', FrameType.SERVER_HELLO, (b) => rewriteSH(b, (m) => {
      const ss = mlkemDecapsulate(m.mlkemCt, mine.decapsulationKey);
      assert.equal(ss.length, 32); // the attacker knows R's ML-KEM secret...
      return { ...m, mlkemCt: mlkemEncapsulate(realEk, new Uint8Array(32).fill(9)).ciphertext }; // ...and I's
    })),
  ));
  assertNoResult(o);
  assert.equal(o.r.error?.code, 'AUTH_FAILED');
  assert.equal(alertByte(o.r), AlertCode.handshake_failed);
  peerAlert(o.i, 'handshake_failed');
});

test('MITM substitutes only the ML-KEM ciphertext: AUTH_FAILED (responder)', async () => {
  const w = await getWorld();
  let ek: Uint8Array = new Uint8Array(0);
  const o = run(makeInitiator(w), makeResponder(w), both(
    onFrame('i2r', FrameType.CLIENT_HELLO, (b) => rewriteCH(b, (m) => { ek = m.mlkemEk; return m; })),
    onFrame('r2i', FrameType.SERVER_HELLO, (b) => rewriteSH(b, (m) => ({ ...m, mlkemCt: mlkemEncapsulate(ek, new Uint8Array(32).fill(3)).ciphertext }))),
  ));
  assertNoResult(o);
  assert.equal(o.r.error?.code, 'AUTH_FAILED');
  peerAlert(o.i, 'handshake_failed');
});

test('MITM substitutes KE1: initiator AUTH_FAILED', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w), makeResponder(w), onFrame('i2r', FrameType.CLIENT_HELLO, (b) => rewriteCH(b, (m) => ({ ...m, ke1: clientStartLogin(utf8('guess')).ke1 }))));
  assertNoResult(o);
  assert.equal(o.i.error?.code, 'AUTH_FAILED');
  peerAlert(o.r, 'handshake_failed');
});

test('MITM substitutes KE2 (from another session): initiator AUTH_FAILED', async () => {
  const w = await getWorld();
  const other = run(makeInitiator(w, {}, deterministicRandom('other')), makeResponder(w, {}, deterministicRandom('other r')));
  const ke2 = decodeServerHello(frame(other.wire[1]!.bytes).payload).ke2;
  const o = run(makeInitiator(w), makeResponder(w), onFrame('r2i', FrameType.SERVER_HELLO, (b) => rewriteSH(b, (m) => ({ ...m, ke2 }))));
  assertNoResult(o);
  assert.equal(o.i.error?.code, 'AUTH_FAILED');
  peerAlert(o.r, 'handshake_failed');
});

test('MITM substitutes KE2 from an impostor server setup: initiator AUTH_FAILED', async () => {
  const w = await getWorld();
  const impostor = { ...w, serverSetup: createServerSetup() };
  const o = run(makeInitiator(w), makeResponder(impostor, { record: null }));
  assert.equal(o.i.error?.code, 'AUTH_FAILED');
  assertNoResult(o);
});

test('MITM substitutes KE3 (from another session): responder AUTH_FAILED', async () => {
  const w = await getWorld();
  const other = run(makeInitiator(w, {}, deterministicRandom('other')), makeResponder(w, {}, deterministicRandom('other r')));
  let ke3: Uint8Array = new Uint8Array(0);
  rewriteCF(other.wire[2]!.bytes, (m) => { ke3 = m.ke3; return m; });
  const o = run(makeInitiator(w), makeResponder(w), onFrame('i2r', FrameType.CLIENT_FINISH, (b) => rewriteCF(b, (m) => ({ ...m, ke3 }))));
  assertNoResult(o);
  assert.equal(o.r.error?.code, 'AUTH_FAILED');
  assert.equal(alertByte(o.r), AlertCode.handshake_failed);
  peerAlert(o.i, 'handshake_failed');
});

test('replay of a recorded handshake to a fresh responder: AUTH_FAILED at ClientFinish', async () => {
  const w = await getWorld();
  const rec = run(makeInitiator(w), makeResponder(w));
  assert.ok(rec.r.result);
  const r = makeResponder(w, {}, deterministicRandom('fresh r'));
  const sh = r.receive(frame(rec.wire[0]!.bytes));
  assert.equal(sh.progress, 'hello');
  const e = errorOf(() => r.receive(frame(rec.wire[2]!.bytes)));
  assert.equal(e.code, 'AUTH_FAILED');
  assert.equal(r.state, 'failed');
});

test('replay of a recorded handshake to a fresh initiator: AUTH_FAILED at ServerHello', async () => {
  const w = await getWorld();
  const rec = run(makeInitiator(w), makeResponder(w));
  const i = makeInitiator(w, {}, deterministicRandom('fresh i'));
  i.start();
  assert.equal(errorOf(() => i.receive(frame(rec.wire[1]!.bytes))).code, 'AUTH_FAILED');
  // and the recorded ServerFinish alone is out of order
  const i2 = makeInitiator(w, {}, deterministicRandom('fresh i2'));
  i2.start();
  assert.equal(errorOf(() => i2.receive(frame(rec.wire[3]!.bytes))).code, 'UNEXPECTED_MESSAGE');
});

test('suite downgrade: MITM rewrites the offered list (CRC fixed): AUTH_FAILED at confirmation', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w), makeResponder(w), onFrame('i2r', FrameType.CLIENT_HELLO, (b) => rewriteCH(b, (m) => ({ ...m, suites: [SuiteId.AES_256_CBC_HMAC_SHA256] }))));
  assertNoResult(o);
  assert.equal(o.r.error?.code, 'AUTH_FAILED');
  peerAlert(o.i, 'handshake_failed');
});

test('suite downgrade: MITM rewrites the chosen suite to another offered one: AUTH_FAILED', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w), makeResponder(w), onFrame('r2i', FrameType.SERVER_HELLO, (b) => rewriteSH(b, (m) => ({ ...m, suite: SuiteId.AES_256_CBC_HMAC_SHA256 }))));
  assertNoResult(o);
  assert.equal(o.r.error?.code, 'AUTH_FAILED');
});

test('version downgrade: MITM rewrites the offered versions: AUTH_FAILED at confirmation', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w), makeResponder(w), onFrame('i2r', FrameType.CLIENT_HELLO, (b) => rewriteCH(b, (m) => ({ ...m, versions: [7, 1] }))));
  assertNoResult(o);
  assert.equal(o.r.error?.code, 'AUTH_FAILED');
});

test('a chosen version that was not offered: UNSUPPORTED_VERSION + ALERT unsupported', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w), makeResponder(w), onFrame('r2i', FrameType.SERVER_HELLO, (b) => rewriteSH(b, (m) => ({ ...m, version: 2 }))));
  assert.equal(o.i.error?.code, 'UNSUPPORTED_VERSION');
  assert.equal(alertByte(o.i), AlertCode.unsupported);
  peerAlert(o.r, 'unsupported');
  const o2 = run(makeInitiator(w), makeResponder(w), onFrame('i2r', FrameType.CLIENT_HELLO, (b) => rewriteCH(b, (m) => ({ ...m, versions: [2, 3] }))));
  assert.equal(o2.r.error?.code, 'UNSUPPORTED_VERSION');
  assert.equal(o2.r.sentHello, undefined);
});

test('responder answers with a suite that was not offered: NO_COMMON_SUITE', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w, { suites: [SuiteId.AES_256_GCM] }), makeResponder(w), onFrame('r2i', FrameType.SERVER_HELLO, (b) => rewriteSH(b, (m) => ({ ...m, suite: SuiteId.CHACHA20_POLY1305 }))));
  assert.equal(o.i.error?.code, 'NO_COMMON_SUITE');
  assert.equal(alertByte(o.i), AlertCode.unsupported);
  const bogus = run(makeInitiator(w), makeResponder(w), onFrame('r2i', FrameType.SERVER_HELLO, (b) => rewriteSH(b, (m) => ({ ...m, suite: 0x42 }))));
  assert.equal(bogus.i.error?.code, 'NO_COMMON_SUITE');
  const none = run(makeInitiator(w, { suites: [SuiteId.AES_256_GCM] }), makeResponder(w, { suites: [SuiteId.CHACHA20_POLY1305] }));
  assert.equal(none.r.error?.code, 'NO_COMMON_SUITE');
  peerAlert(none.i, 'unsupported');
});

test('KSF parameters beyond the initiator limits: KSF_PARAMS_REFUSED + ALERT unsupported', async () => {
  const w = await getWorld();
  for (const ksf of [
    { memoryKiB: 2 * 1024 * 1024, iterations: 3, parallelism: 4 },
    { memoryKiB: 65_536, iterations: 17, parallelism: 4 },
    { memoryKiB: 65_536, iterations: 3, parallelism: 0 },
    { memoryKiB: 65_536, iterations: 3, parallelism: 17 },
    { memoryKiB: 0xffff_ffff, iterations: 0xffff_ffff, parallelism: 255 },
  ]) {
    const o = run(makeInitiator(w), makeResponder(w, { ksf }));
    assert.equal(o.i.error?.code, 'KSF_PARAMS_REFUSED', JSON.stringify(ksf));
    assert.equal(alertByte(o.i), AlertCode.unsupported);
    peerAlert(o.r, 'unsupported');
  }
  const low = run(makeInitiator(w, { maxKsf: { memoryKiB: 32, iterations: 1 } }), makeResponder(w));
  assert.equal(low.i.error?.code, 'KSF_PARAMS_REFUSED');
  // lowering them (the attacker's only other option) gains nothing: AUTH_FAILED
  const lowered = run(makeInitiator(w), makeResponder(w, { ksf: { ...KSF_TEST, memoryKiB: 32 } }));
  assert.equal(lowered.i.error?.code, 'AUTH_FAILED');
});

test('reflection of a party\'s own message: UNEXPECTED_MESSAGE (relabelled: DECODE_ERROR)', async () => {
  const w = await getWorld();
  const i = makeInitiator(w);
  const r = makeResponder(w);
  const ch = i.start();
  assert.equal(errorOf(() => i.receive(frame(ch))).code, 'UNEXPECTED_MESSAGE');
  const i2 = makeInitiator(w);
  const ch2 = i2.start();
  const sh = r.receive(frame(ch2)).send[0]!;
  assert.equal(errorOf(() => r.receive(frame(sh))).code, 'UNEXPECTED_MESSAGE');
  // I's ClientFinish reflected to I, and relabelled as ServerFinish (CRC fixed)
  const i3 = makeInitiator(w, {}, deterministicRandom('i3'));
  const r3 = makeResponder(w, {}, deterministicRandom('r3'));
  const cf = i3.receive(frame(r3.receive(frame(i3.start())).send[0]!)).send[0]!;
  const i4 = makeInitiator(w, {}, deterministicRandom('i3'));
  const r4 = makeResponder(w, {}, deterministicRandom('r3'));
  const cf4 = i4.receive(frame(r4.receive(frame(i4.start())).send[0]!)).send[0]!;
  assert.equal(errorOf(() => i3.receive(frame(cf))).code, 'UNEXPECTED_MESSAGE');
  const relabelled = encodeFrame(FrameType.SERVER_FINISH, frame(cf4).payload).raw;
  assert.equal(errorOf(() => i4.receive(frame(relabelled))).code, 'DECODE_ERROR');
  // R's ServerFinish reflected to R (done)
  const o = run(makeInitiator(w), makeResponder(w));
  assert.ok(o.r.result);
});

test('substituted identity key for a pinned responder: PEER_KEY_CHANGED + ALERT identity_rejected', async () => {
  const w = await getWorld();
  const pinned = identity('alice', 0x99).publicKey;
  const pin = (p: PeerIdentity): SecureChatError | null =>
    ctEqual(p.identityKey, pinned) ? null : remoteError('PEER_KEY_CHANGED', `the key of ${p.name} changed`);
  const o = run(makeInitiator(w, { checkPeer: pin }), makeResponder(w));
  assert.equal(o.i.error?.code, 'PEER_KEY_CHANGED');
  assert.equal(o.i.result, undefined);
  assert.equal(alertByte(o.i), AlertCode.identity_rejected);
  // R already finished; the ALERT reaches its record layer, which reports PEER_ALERT (§4.6)
  assert.ok(o.r.result);
  assert.equal(o.r.after.length, 1);
  assert.equal(o.r.after[0]![6], AlertCode.identity_rejected);
});

test('substituted identity key for a pinned initiator: responder PEER_KEY_CHANGED, no ServerFinish', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w), makeResponder(w, { checkPeer: () => remoteError('PEER_KEY_CHANGED', 'bob changed') }));
  assertNoResult(o);
  assert.equal(o.r.error?.code, 'PEER_KEY_CHANGED');
  assert.equal(alertByte(o.r), AlertCode.identity_rejected);
  assert.equal(o.r.sent.length, 2, 'ServerHello and the ALERT only');
  peerAlert(o.i, 'identity_rejected');
});

test('a throwing peer check is INTERNAL, never an untyped exception', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w, { checkPeer: () => { throw new Error('disk on fire'); } }), makeResponder(w));
  assert.equal(o.i.error?.code, 'INTERNAL');
  assert.equal(o.i.error?.side, 'local');
});

test('responder signs a name other than the account: IDENTITY_MISMATCH + ALERT handshake_failed', async () => {
  const w = await getWorld();
  const o = run(makeInitiator(w), makeResponder(w, { identity: { ...w.alice, name: 'mallory' } }));
  assert.equal(o.i.error?.code, 'IDENTITY_MISMATCH');
  assert.equal(o.i.result, undefined);
  assert.equal(alertByte(o.i), AlertCode.handshake_failed);
});

test('frames: zero-length, oversize, truncated, bad field sizes', async () => {
  const w = await getWorld();
  const ch = makeInitiator(w).start();
  const header = (len: number): Uint8Array => { const h = ch.slice(0, 6); new DataView(h.buffer).setUint32(2, len); return h; };
  const deliver = (bytes: Uint8Array, end = false): SecureChatError => {
    const o = run(makeInitiator(w), makeResponder(w), (d, b) => (d === 'i2r' && b[1] === FrameType.CLIENT_HELLO ? [bytes] : [b]), end);
    assert.equal(o.r.result, undefined);
    return o.r.error!;
  };
  assert.equal(deliver(concat(header(0), new Uint8Array(4))).code, 'FRAME_MALFORMED');
  assert.equal(deliver(header(66_561)).code, 'FRAME_TOO_LARGE');
  assert.equal(deliver(header(0xffff_ffff)).code, 'FRAME_TOO_LARGE');
  assert.equal(deliver(ch.subarray(0, 700), true).code, 'FRAME_TRUNCATED');
  assert.equal(deliver(ch.subarray(0, 3), true).code, 'FRAME_TRUNCATED');
  const crcBad = ch.slice(); crcBad[100]! ^= 1;
  assert.equal(deliver(crcBad).code, 'FRAME_CORRUPT');
  const p = frame(ch).payload;
  assert.equal(deliver(encodeFrame(FrameType.CLIENT_HELLO, p.subarray(0, p.length - 1)).raw).code, 'DECODE_ERROR');
  assert.equal(deliver(encodeFrame(FrameType.CLIENT_HELLO, concat(p, Uint8Array.of(0))).raw).code, 'DECODE_ERROR');
  assert.equal(deliver(encodeFrame(FrameType.CLIENT_HELLO, Uint8Array.of(1)).raw).code, 'DECODE_ERROR');
  assert.equal(deliver(rewriteCH(ch, (m) => ({ ...m, ke1: new Uint8Array(96) }))).code, 'DECODE_ERROR', 'KE1 not a valid point');
  const ek = rewriteCH(ch, (m) => ({ ...m, mlkemEk: new Uint8Array(1184).fill(0xff) }));
  assert.equal(deliver(ek).code, 'DECODE_ERROR', 'FIPS 203 input check');
  const o = run(makeInitiator(w), makeResponder(w), (d, b) => (d === 'i2r' && b[1] === FrameType.CLIENT_HELLO ? [rewriteCH(b, (m) => ({ ...m, account: 'alice' }))] : [b]));
  assert.ok(o.r.result, 'a faithful re-encoding is accepted');
});

test('frames in the wrong order: UNEXPECTED_MESSAGE; failed is forever; done accepts nothing', async () => {
  const w = await getWorld();
  const rec = run(makeInitiator(w), makeResponder(w));
  const [ch, sh, cf, sf] = rec.wire.map((m) => frame(m.bytes));
  const r = makeResponder(w);
  assert.equal(errorOf(() => r.receive(cf!)).code, 'UNEXPECTED_MESSAGE');
  assert.equal(r.state, 'failed');
  assert.equal(errorOf(() => r.receive(ch!)).code, 'UNEXPECTED_MESSAGE', 'the first error, forever');
  const i = makeInitiator(w);
  i.start();
  assert.equal(errorOf(() => i.receive(sf!)).code, 'UNEXPECTED_MESSAGE');
  const i2 = makeInitiator(w);
  assert.equal(errorOf(() => i2.receive(sh!)).code, 'UNEXPECTED_MESSAGE', 'before start()');
  const r2 = makeResponder(w);
  r2.receive(ch!);
  assert.equal(errorOf(() => r2.receive(ch!)).code, 'UNEXPECTED_MESSAGE', 'duplicate ClientHello');
  const r3 = makeResponder(w);
  const rec3 = encodeFrame(FrameType.RECORD, new Uint8Array(30)).raw;
  assert.equal(errorOf(() => r3.receive(frame(rec3))).code, 'UNEXPECTED_MESSAGE', 'RECORD during the handshake');
  const done = makeResponder(w);
  const io = makeInitiator(w);
  const o = run(io, done);
  assert.ok(o.r.result && o.i.result);
  assert.equal(errorOf(() => done.receive(frame(alertFor(remoteError('AUTH_FAILED', 'x'))!))).code, 'UNEXPECTED_MESSAGE', 'ALERT after the handshake');
  assert.equal(errorOf(() => io.receive(sf!)).code, 'UNEXPECTED_MESSAGE');
});

test('received ALERTs: PEER_ALERT with the code\'s meaning; unknown or malformed is protocol_error', async () => {
  const w = await getWorld();
  for (const [payload, name] of [[Uint8Array.of(4), 'busy'], [Uint8Array.of(6), 'timeout'], [Uint8Array.of(0x77), 'protocol_error'], [Uint8Array.of(1, 1), 'protocol_error']] as const) {
    const r = makeResponder(w);
    const e = errorOf(() => r.receive(frame(encodeFrame(FrameType.ALERT, payload).raw)));
    assert.ok(e instanceof PeerAlertError);
    assert.equal(e.code, 'PEER_ALERT');
    assert.equal(e.alert, name);
    assert.equal(alertFor(e), null);
  }
});

test('the limiter hook refuses before any OPAQUE or ML-KEM work: RATE_LIMITED + ALERT busy', async () => {
  const w = await getWorld();
  let asked = '';
  const o = run(makeInitiator(w), makeResponder(w, { admit: (a) => { asked = a; return remoteError('RATE_LIMITED', 'too many failures'); } }));
  assert.equal(asked, 'alice');
  assert.equal(o.r.error?.code, 'RATE_LIMITED');
  assert.equal(o.r.sentHello, undefined);
  assert.equal(alertByte(o.r), AlertCode.busy);
  peerAlert(o.i, 'busy');
});

test('results differ between sessions (fresh nonces and keys)', async () => {
  const w = await getWorld();
  const a = run(makeInitiator(w, {}, deterministicRandom('a')), makeResponder(w, {}, deterministicRandom('a')));
  const b = run(makeInitiator(w, {}, deterministicRandom('b')), makeResponder(w, {}, deterministicRandom('b')));
  assert.notEqual(toHex(a.i.result!.sessionId), toHex(b.i.result!.sessionId));
});
