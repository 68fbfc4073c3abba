/**
 * Adversarial peers against the reconnect handshake, each refused with its exact code:
 * replay of a recorded reconnect, a reconnect after the contact was removed, a stolen
 * per-contact secret without the identity key (either side), reflection, a stale epoch, an
 * overdue post-quantum step, and every byte of both messages flipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deterministicRandom } from '../../../src/crypto/random.js';
import { decodeOneFrame, FrameType } from '../../../src/wire/frame.js';
import { encodeFrame } from '../../../src/wire/frame.js';
import { x25519PublicFromPrivate } from '../../../src/crypto/ecc.js';
import { ReconnectInitiator, ReconnectResponder, PQ_EVERY_RECONNECTS, PQ_GRACE_RECONNECTS } from '../../../src/handshake/reconnect/index.js';
import { initialize, writeMessage1, writeMessage2, readMessage1 } from '../../../src/handshake/reconnect/ikpsk2.js';
import { encodeHelloPayload, encodeReplyPayload } from '../../../src/handshake/reconnect/messages.js';
import { RECONNECT_PROLOGUE } from '../../../src/handshake/reconnect/common.js';
import { ALICE, BOB, commit, fixCrc, freshPair, initiatorFor, KEM, MALLORY, reconnect, responderFor, SUITES } from './_pair.js';

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? 'untyped';
  }
  return 'none';
};

test('replay of a recorded reconnect (after it was committed) is RECONNECT_REPLAY', () => {
  const p = freshPair();
  const run = reconnect(initiatorFor(p), responderFor(p));
  commit(p, run);
  assert.equal(codeOf(() => responderFor(p).receive(decodeOneFrame(run.hello))), 'RECONNECT_REPLAY');
  // and once two more reconnects moved the chain on, the recorded one is older than `previous`
  commit(p, reconnect(initiatorFor(p, { random: deterministicRandom('2') }), responderFor(p)));
  commit(p, reconnect(initiatorFor(p, { random: deterministicRandom('3') }), responderFor(p)));
  assert.equal(codeOf(() => responderFor(p).receive(decodeOneFrame(run.hello))), 'RECONNECT_REPLAY');
});

test('a replayed hello that was never completed gets a reply but moves nothing (no commit without the initiator)', () => {
  const p = freshPair();
  const hello = initiatorFor(p).start();
  const out = responderFor(p).receive(decodeOneFrame(hello));
  assert.equal(out.send.length, 1);
  assert.equal(p.in!.current.epoch, 0); // the adapter commits only after the initiator's first record
});

test('a reconnect after `contacts remove` is NOT_A_CONTACT', () => {
  const p = freshPair();
  p.in = null;
  assert.equal(reconnect(initiatorFor(p), responderFor(p)).error?.code, 'NOT_A_CONTACT');
});

test('a stolen per-contact secret without alice\'s identity key: a hello claiming alice is AUTH_FAILED, as Mallory NOT_A_CONTACT', () => {
  const p = freshPair();
  // Mallory knows the secret and alice's public static key, not its private half
  const fake = { priv: MALLORY.staticKey.priv, pub: ALICE.staticKey.pub };
  assert.equal(reconnect(initiatorFor(p, { staticKey: fake }), responderFor(p)).error?.code, 'AUTH_FAILED');
  assert.equal(reconnect(initiatorFor(p, { staticKey: MALLORY.staticKey }), responderFor(p)).error?.code, 'NOT_A_CONTACT');
});

test('a stolen per-contact secret without bob\'s identity key: a forged reply is AUTH_FAILED at alice', () => {
  const p = freshPair();
  const i = initiatorFor(p);
  const hello = decodeOneFrame(i.start());
  // Mallory cannot read the hello (es needs bob's static key); she answers with her own keys and the secret
  const guess = initialize(RECONNECT_PROLOGUE, BOB.staticKey.pub);
  const e = { priv: new Uint8Array(32).fill(7), pub: x25519PublicFromPrivate(new Uint8Array(32).fill(7)) };
  const m2 = writeMessage2(guess, { e, re: hello.payload.slice(0, 32), rs: ALICE.staticKey.pub, psk: p.out.current.secret, payload: encodeReplyPayload({ version: 1, suite: 1, kemCt: new Uint8Array(0) }) });
  assert.equal(codeOf(() => i.receive(decodeOneFrame(encodeFrame(FrameType.RECONNECT_REPLY, m2.message).raw))), 'AUTH_FAILED');
});

test('reflection: a hello back to the initiator, a reply to the responder are UNEXPECTED_MESSAGE; alice\'s hello to alice\'s own listener is AUTH_FAILED', () => {
  const p = freshPair();
  const i = initiatorFor(p);
  const hello = i.start();
  assert.equal(codeOf(() => i.receive(decodeOneFrame(hello))), 'UNEXPECTED_MESSAGE');
  const run = reconnect(initiatorFor(p), responderFor(p));
  assert.equal(codeOf(() => responderFor(p).receive(decodeOneFrame(run.reply!))), 'UNEXPECTED_MESSAGE');
  assert.equal(codeOf(() => responderFor(p, { staticKey: ALICE.staticKey }).receive(decodeOneFrame(hello))), 'AUTH_FAILED');
  // a hello built by the listener to itself (its own static key as `s`) is refused as reflected
  const self = new ReconnectInitiator({ peerName: 'bob', peerIdentityKey: BOB.identityKey, peerStatic: BOB.staticKey.pub, staticKey: BOB.staticKey, secret: p.out.current, suites: SUITES, random: deterministicRandom('self'), kem: null });
  assert.equal(codeOf(() => responderFor(p).receive(decodeOneFrame(self.start()))), 'AUTH_FAILED');
});

test('an initiator one epoch ahead (its confirmation was lost) is RECONNECT_STALE, and its previous secret works', () => {
  const p = freshPair();
  const run = reconnect(initiatorFor(p), responderFor(p));
  const savedIn = p.in;
  commit(p, run);
  p.in = savedIn; // the responder never saw the initiator's first record
  assert.equal(reconnect(initiatorFor(p, { random: deterministicRandom('x') }), responderFor(p)).error?.code, 'RECONNECT_STALE');
  const retry = reconnect(initiatorFor(p, { random: deterministicRandom('y'), usePrevious: true }), responderFor(p));
  assert.equal(retry.error, null);
  commit(p, retry, true);
  assert.equal(Buffer.from(p.out.current.secret).equals(Buffer.from(p.in!.current.secret)), true);
});

test('the post-quantum step overdue: a hello without an ML-KEM key is refused (UNSUPPORTED_VERSION), with one it passes', () => {
  const p = freshPair();
  const epoch = PQ_EVERY_RECONNECTS + PQ_GRACE_RECONNECTS;
  p.out = { ...p.out, current: { epoch, secret: p.out.current.secret } };
  p.in = { ...p.in!, current: { epoch, secret: p.in!.current.secret } };
  assert.equal(reconnect(initiatorFor(p), responderFor(p)).error?.code, 'UNSUPPORTED_VERSION');
  const ok = reconnect(initiatorFor(p, { kem: true, random: deterministicRandom('pq') }), responderFor(p));
  assert.equal(ok.error, null);
  commit(p, ok);
  assert.equal(p.in.pqEpoch, epoch + 1);
  assert.equal(p.out.pqEpoch, epoch + 1);
});

test('a wrong per-contact secret on either side is AUTH_FAILED at the initiator (the reply does not open)', () => {
  const p = freshPair();
  p.in = { ...p.in!, current: { epoch: 0, secret: new Uint8Array(32).fill(1) } };
  assert.equal(reconnect(initiatorFor(p), responderFor(p)).error?.code, 'AUTH_FAILED');
});

test('every byte of the hello and of the reply flipped (CRC fixed) is refused with AUTH_FAILED or DECODE_ERROR', () => {
  const p = freshPair();
  const run = reconnect(initiatorFor(p), responderFor(p));
  const seen = new Set<string>();
  for (let at = 6; at < run.hello.length - 4; at++) {
    const bad = run.hello.slice();
    bad[at]! ^= 0x20;
    const c = codeOf(() => responderFor(p).receive(decodeOneFrame(fixCrc(bad))));
    assert.ok(c === 'AUTH_FAILED', `hello byte ${at}: ${c}`);
    seen.add(c);
  }
  for (let at = 6; at < run.reply!.length - 4; at++) {
    const bad = run.reply!.slice();
    bad[at]! ^= 0x20;
    const i = initiatorFor(p);
    i.start();
    const c = codeOf(() => i.receive(decodeOneFrame(fixCrc(bad))));
    assert.equal(c, 'AUTH_FAILED', `reply byte ${at}`);
  }
  assert.deepEqual([...seen], ['AUTH_FAILED']);
});

test('a truncated hello is DECODE_ERROR; an authenticated hello with a bad payload is DECODE_ERROR', () => {
  const p = freshPair();
  assert.equal(codeOf(() => responderFor(p).receive(decodeOneFrame(encodeFrame(FrameType.RECONNECT_HELLO, new Uint8Array(40)).raw))), 'DECODE_ERROR');
  const e = { priv: new Uint8Array(32).fill(9), pub: x25519PublicFromPrivate(new Uint8Array(32).fill(9)) };
  const m1 = writeMessage1(initialize(RECONNECT_PROLOGUE, BOB.staticKey.pub), { e, s: ALICE.staticKey, rs: BOB.staticKey.pub, payload: Uint8Array.of(1, 1, 1) });
  assert.equal(codeOf(() => responderFor(p).receive(decodeOneFrame(encodeFrame(FrameType.RECONNECT_HELLO, m1.message).raw))), 'DECODE_ERROR');
  // sanity: the same builder with a good payload is accepted
  const good = writeMessage1(initialize(RECONNECT_PROLOGUE, BOB.staticKey.pub), { e, s: ALICE.staticKey, rs: BOB.staticKey.pub, payload: encodeHelloPayload({ versions: [1], suites: [1], epoch: 0, kemEk: new Uint8Array(0) }) });
  assert.equal(readMessage1(initialize(RECONNECT_PROLOGUE, BOB.staticKey.pub), { s: BOB.staticKey, message: good.message }).payload.length, 14);
  assert.equal(responderFor(p).receive(decodeOneFrame(encodeFrame(FrameType.RECONNECT_HELLO, good.message).raw)).send.length, 1);
});

test('the responder never throws anything but a SecureChatError, and a failed machine stays failed', () => {
  const p = freshPair();
  const r = new ReconnectResponder({ staticKey: BOB.staticKey, suites: SUITES, random: deterministicRandom('t'), kem: KEM, lookup: () => { throw new Error('boom'); } });
  const hello = initiatorFor(p).start();
  assert.equal(codeOf(() => r.receive(decodeOneFrame(hello))), 'INTERNAL');
  assert.equal(codeOf(() => r.receive(decodeOneFrame(hello))), 'INTERNAL');
  assert.equal(r.state, 'failed');
});
