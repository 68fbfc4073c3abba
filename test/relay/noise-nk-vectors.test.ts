/**
 * The relay channel's Noise NK, token by token, against cacophony's published
 * Noise_NK_25519_ChaChaPoly_SHA256 vector (test/vectors/noise-nk-cacophony.json): both
 * handshake messages from both sides, then the transport messages under Split()'s keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { decryptWithAd, encryptWithAd, split } from '../../src/crypto/noise.js';
import { keyPairFrom, readNk1, readNk2, writeNk1, writeNk2 } from '../../src/relay/noise-nk.js';

interface Vector {
  init_prologue: string;
  init_ephemeral: string;
  init_remote_static: string;
  resp_static: string;
  resp_ephemeral: string;
  messages: { payload: string; ciphertext: string }[];
}
const v = JSON.parse(readFileSync(new URL('../../../test/vectors/noise-nk-cacophony.json', import.meta.url), 'utf8')) as Vector;

test('Noise_NK_25519_ChaChaPoly_SHA256: cacophony vector, handshake and transport', () => {
  const prologue = fromHex(v.init_prologue);
  const ie = keyPairFrom(fromHex(v.init_ephemeral));
  const rs = keyPairFrom(fromHex(v.resp_static));
  const re = keyPairFrom(fromHex(v.resp_ephemeral));
  assert.equal(toHex(rs.pub), v.init_remote_static);
  const m = v.messages;
  const w1 = writeNk1(prologue, rs.pub, ie, fromHex(m[0]!.payload));
  assert.equal(toHex(w1.message), m[0]!.ciphertext);
  const r1 = readNk1(prologue, rs, w1.message);
  assert.equal(toHex(r1.payload), m[0]!.payload);
  const w2 = writeNk2(r1.state, re, r1.re, fromHex(m[1]!.payload));
  assert.equal(toHex(w2.message), m[1]!.ciphertext);
  const r2 = readNk2(w1.state, ie, w2.message);
  assert.equal(toHex(r2.payload), m[1]!.payload);
  assert.equal(toHex(r2.state.h), toHex(w2.state.h), 'both sides end with the same handshake hash');
  // Transport: the initiator sends with k1, the responder with k2, nonces counting from 0.
  const { k1, k2 } = split(r2.state);
  const nonces = { i: 0, r: 0 };
  m.slice(2).forEach((x, i) => {
    const fromInitiator = i % 2 === 0;
    const k = fromInitiator ? k1 : k2;
    const n = fromInitiator ? nonces.i++ : nonces.r++;
    assert.equal(toHex(encryptWithAd(k, n, new Uint8Array(0), fromHex(x.payload))), x.ciphertext, `transport message ${i + 2}`);
    assert.equal(toHex(decryptWithAd(k, n, new Uint8Array(0), fromHex(x.ciphertext), 'vector')), x.payload);
  });
});
