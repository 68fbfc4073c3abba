/**
 * Our Noise IKpsk2 (src/handshake/reconnect/ikpsk2.ts over src/crypto/noise.ts) against the
 * published cacophony vector for exactly Noise_IKpsk2_25519_ChaChaPoly_SHA256: both handshake
 * messages byte for byte, then the four transport messages through Split()'s keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../../../src/crypto/bytes.js';
import { x25519PublicFromPrivate } from '../../../src/crypto/ecc.js';
import { decryptWithAd, encryptWithAd, split } from '../../../src/crypto/noise.js';
import { initialize, readMessage1, readMessage2, writeMessage1, writeMessage2, IKPSK2_PROTOCOL_NAME } from '../../../src/handshake/reconnect/ikpsk2.js';

interface NoiseVector {
  readonly name: string;
  readonly init_prologue: string;
  readonly init_psk: string;
  readonly init_static: string;
  readonly init_ephemeral: string;
  readonly init_remote_static: string;
  readonly resp_static: string;
  readonly resp_ephemeral: string;
  readonly messages: readonly { readonly payload: string; readonly ciphertext: string }[];
}

const v = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../test/vectors/noise-ikpsk2-cacophony.json', import.meta.url)), 'utf8')) as NoiseVector;
const kp = (h: string): { priv: Uint8Array; pub: Uint8Array } => ({ priv: fromHex(h), pub: x25519PublicFromPrivate(fromHex(h)) });
const msg = (i: number): { payload: Uint8Array; ciphertext: string } => {
  const m = v.messages[i];
  if (m === undefined) throw new Error(`vector message ${i} missing`);
  return { payload: fromHex(m.payload), ciphertext: m.ciphertext };
};

test('the vector is for exactly our protocol name', () => {
  assert.equal(v.name, IKPSK2_PROTOCOL_NAME);
});

test('cacophony Noise_IKpsk2_25519_ChaChaPoly_SHA256: handshake and transport messages byte for byte', () => {
  const iS = kp(v.init_static);
  const iE = kp(v.init_ephemeral);
  const rS = kp(v.resp_static);
  const rE = kp(v.resp_ephemeral);
  const psk = fromHex(v.init_psk);
  const prologue = fromHex(v.init_prologue);
  assert.equal(toHex(rS.pub), v.init_remote_static);

  const m1 = writeMessage1(initialize(prologue, rS.pub), { e: iE, s: iS, rs: rS.pub, payload: msg(0).payload });
  assert.equal(toHex(m1.message), msg(0).ciphertext);
  const r1 = readMessage1(initialize(prologue, rS.pub), { s: rS, message: m1.message });
  assert.equal(toHex(r1.payload), toHex(msg(0).payload));
  assert.equal(toHex(r1.rs), toHex(iS.pub));

  const m2 = writeMessage2(r1.state, { e: rE, re: r1.re, rs: r1.rs, psk, payload: msg(1).payload });
  assert.equal(toHex(m2.message), msg(1).ciphertext);
  const i2 = readMessage2(m1.state, { e: iE, s: iS, psk, message: m2.message });
  assert.equal(toHex(i2.payload), toHex(msg(1).payload));
  assert.equal(toHex(i2.state.h), toHex(m2.state.h));

  const ik = split(i2.state);
  const rk = split(m2.state);
  assert.equal(toHex(ik.k1), toHex(rk.k1));
  // transport: I→R with k1, R→I with k2, alternating, nonces from 0, empty associated data
  const none = new Uint8Array(0);
  for (let i = 2; i < 6; i++) {
    const m = msg(i);
    const k = i % 2 === 0 ? ik.k1 : ik.k2;
    const n = Math.floor((i - 2) / 2);
    const ct = encryptWithAd(k, n, none, m.payload);
    assert.equal(toHex(ct), m.ciphertext, `transport message ${i}`);
    assert.equal(toHex(decryptWithAd(k, n, none, ct, 'transport')), toHex(m.payload));
  }
});

test('a flipped bit anywhere in message 1 or 2 is refused (AUTH_FAILED)', () => {
  const iS = kp(v.init_static);
  const iE = kp(v.init_ephemeral);
  const rS = kp(v.resp_static);
  const rE = kp(v.resp_ephemeral);
  const psk = fromHex(v.init_psk);
  const prologue = fromHex(v.init_prologue);
  const m1 = writeMessage1(initialize(prologue, rS.pub), { e: iE, s: iS, rs: rS.pub, payload: msg(0).payload });
  for (let at = 0; at < m1.message.length; at++) {
    const bad = m1.message.slice();
    bad[at]! ^= 0x01;
    assert.throws(() => readMessage1(initialize(prologue, rS.pub), { s: rS, message: bad }), (e: unknown) => (e as { code?: string }).code === 'AUTH_FAILED', `byte ${at}`);
  }
  const r1 = readMessage1(initialize(prologue, rS.pub), { s: rS, message: m1.message });
  const m2 = writeMessage2(r1.state, { e: rE, re: r1.re, rs: r1.rs, psk, payload: msg(1).payload });
  for (let at = 0; at < m2.message.length; at++) {
    const bad = m2.message.slice();
    bad[at]! ^= 0x01;
    assert.throws(() => readMessage2(m1.state, { e: iE, s: iS, psk, message: bad }), (e: unknown) => (e as { code?: string }).code === 'AUTH_FAILED', `byte ${at}`);
  }
});
