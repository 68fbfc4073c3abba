/** The reconnect handshake completes with equal keys on both sides, and the ratchet advances. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../src/crypto/bytes.js';
import { MLKEM768_CT_BYTES, MLKEM768_EK_BYTES } from '../../../src/crypto/mlkem.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { x25519PublicFromEd25519, x25519SecretFromEd25519Seed } from '../../../src/crypto/x25519-from-ed25519.js';
import { KEM_CT_BYTES, KEM_EK_BYTES } from '../../../src/handshake/reconnect/messages.js';
import { deterministicRandom } from '../../../src/crypto/random.js';
import { ALICE, BOB, commit, freshPair, initiatorFor, reconnect, responderFor } from './_pair.js';

test('a reconnect completes: same keys, session id, transcript and next secret on both sides', () => {
  const p = freshPair();
  const run = reconnect(initiatorFor(p), responderFor(p));
  assert.equal(run.error, null);
  const i = run.i!;
  const r = run.r!;
  for (const k of ['root', 'chainI2R', 'chainR2I', 'sessionId', 'transcriptHash'] as const) assert.equal(toHex(i[k]), toHex(r[k]), k);
  assert.equal(toHex(i.accepted.next), toHex(r.accepted.next));
  assert.equal(i.accepted.epoch, 0);
  assert.equal(i.peer.name, 'bob');
  assert.equal(r.peer.name, 'alice');
  assert.equal(toHex(r.peer.identityKey), toHex(ALICE.identityKey));
  assert.equal(i.suite, 1);
  // one round trip: the initiator sends nothing more before it may send records
  assert.equal(run.hello.length, 6 + 32 + 48 + (1 + 1 + 1 + 3 + 8 + 2) + 16 + 4);
});

test('the ratchet: after a committed reconnect both sides hold epoch 1 and the same secret', () => {
  const p = freshPair();
  const run = reconnect(initiatorFor(p), responderFor(p));
  commit(p, run);
  assert.equal(p.out.current.epoch, 1);
  assert.equal(p.in!.current.epoch, 1);
  assert.equal(toHex(p.out.current.secret), toHex(p.in!.current.secret));
  const again = reconnect(initiatorFor(p, { random: deterministicRandom('second') }), responderFor(p));
  assert.equal(again.error, null);
  assert.notEqual(toHex(again.i!.sessionId), toHex(run.i!.sessionId));
});

test('the post-quantum step: a hello with an ML-KEM key gets a ciphertext, and the keys differ from a plain one', () => {
  const p = freshPair();
  const plain = reconnect(initiatorFor(p), responderFor(p));
  const pq = reconnect(initiatorFor(p, { kem: true }), responderFor(p));
  assert.equal(pq.error, null);
  assert.equal(pq.i!.accepted.pq, true);
  assert.equal(toHex(pq.i!.root), toHex(pq.r!.root));
  assert.notEqual(toHex(pq.i!.root), toHex(plain.i!.root));
  assert.ok(pq.hello.length > 1184 && pq.reply!.length > 1088);
});

test('the ML-KEM sizes repeated in the reconnect messages equal the library module\'s', () => {
  assert.equal(KEM_EK_BYTES, MLKEM768_EK_BYTES);
  assert.equal(KEM_CT_BYTES, MLKEM768_CT_BYTES);
});

test('Ed25519 → X25519: our secret conversion equals @noble/curves, and the public halves match', async () => {
  for (const who of [ALICE, BOB]) {
    assert.equal(toHex(x25519SecretFromEd25519Seed(who.seed)), toHex(ed25519.utils.toMontgomerySecret(who.seed)));
    assert.equal(toHex(await x25519PublicFromEd25519(who.identityKey)), toHex(who.staticKey.pub));
  }
});
