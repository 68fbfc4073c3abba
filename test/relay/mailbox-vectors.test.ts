/**
 * test/vectors/relay-mailbox-v1.json: RFC 9180 A.1.3 (mode_auth) through @hpke/core, our sealed
 * offline messages byte for byte (and opened back), the negative ones with their codes, the
 * MAILBOX offer, and the receiver's decisions. Plus fast-check: the offer decoder only ever
 * throws typed errors, and encode∘decode is the identity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { AppKind, decodeAppMessage, encodeAppMessage } from '../../src/chat/message.js';
import { MailboxKind, openMailbox } from '../../src/relay/mailbox-seal.js';
import { makeMailboxVectors } from './_make-mailbox-vectors.js';

const V = JSON.parse(readFileSync(new URL('../../../test/vectors/relay-mailbox-v1.json', import.meta.url), 'utf8')) as {
  rfc9180_a13: Record<string, string>;
  sealed: { name: string; send_id: string; msg_id: string; sender_pub: string; recipient_seed: string; kind: number; counter: number; message_id: string; sent_at_ms?: number; text?: string; data: string }[];
  sealed_negative: { name: string; send_id: string; msg_id: string; data: string; expect: string }[];
  keys: Record<string, string>;
  offer: { bytes: string; host: string; port: number; send_id: string; mailbox_key: string };
  offer_negative: { name: string; bytes: string; expect: string }[];
};

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'none';
  } catch (e) {
    return isSecureChatError(e) ? e.code : `untyped: ${String(e)}`;
  }
}

test('the vector file is what the code computes (no silent drift)', async () => {
  assert.deepEqual(JSON.parse(JSON.stringify(await makeMailboxVectors())), JSON.parse(readFileSync(new URL('../../../test/vectors/relay-mailbox-v1.json', import.meta.url), 'utf8')));
});

test('RFC 9180 A.1.3 (mode_auth, X25519, HKDF-SHA256, AES-128-GCM) through @hpke/core: enc, shared secret, ciphertext', async () => {
  const a = V.rfc9180_a13;
  const s = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  const h = (k: string): Uint8Array => fromHex(a[k] ?? '');
  const [e, r, snd] = await Promise.all([s.kem.deriveKeyPair(h('ikmE')), s.kem.deriveKeyPair(h('ikmR')), s.kem.deriveKeyPair(h('ikmS'))]);
  const kem = await s.kem.encap({ recipientPublicKey: r.publicKey, senderKey: snd, ekm: e });
  assert.equal(toHex(new Uint8Array(kem.enc)), a['enc']);
  assert.equal(toHex(new Uint8Array(kem.sharedSecret)), a['shared_secret']);
  const sealed = await s.seal({ recipientPublicKey: r.publicKey, senderKey: snd, info: h('info'), ekm: e }, h('pt'), h('aad'));
  assert.equal(toHex(new Uint8Array(sealed.ct)), a['ct']);
  const pt = await s.open({ recipientKey: r, senderPublicKey: snd.publicKey, enc: sealed.enc, info: h('info') }, sealed.ct, h('aad'));
  assert.equal(toHex(new Uint8Array(pt)), a['pt']);
});

test('sealed offline messages open to their plaintext', async () => {
  for (const v of V.sealed) {
    const m = await openMailbox({ recipientSeed: fromHex(v.recipient_seed), senderPub: fromHex(v.sender_pub), sendId: fromHex(v.send_id), msgId: fromHex(v.msg_id), data: fromHex(v.data) });
    assert.equal(m.kind, v.kind, v.name);
    assert.equal(m.counter, v.counter, v.name);
    assert.equal(toHex(m.messageId), v.message_id, v.name);
    if (m.kind === MailboxKind.TEXT) {
      assert.equal(m.text, v.text, v.name);
      assert.equal(m.sentAtMs, v.sent_at_ms, v.name);
    }
  }
});

test('negative sealed messages: the exact code', async () => {
  for (const v of V.sealed_negative) {
    const got = await codeOf(() => openMailbox({ recipientSeed: fromHex(V.keys['recipient_seed'] ?? ''), senderPub: fromHex(V.keys['sender_pub'] ?? ''), sendId: fromHex(v.send_id), msgId: fromHex(v.msg_id), data: fromHex(v.data) }));
    assert.equal(got, v.expect, v.name);
  }
  // Sealed by someone else (not the contact whose key we hold): AUTH_FAILED.
  const t = V.sealed[0];
  assert.ok(t !== undefined);
  assert.equal(await codeOf(() => openMailbox({ recipientSeed: fromHex(t.recipient_seed), senderPub: fromHex(V.keys['recipient_pub'] ?? ''), sendId: fromHex(t.send_id), msgId: fromHex(t.msg_id), data: fromHex(t.data) })), 'AUTH_FAILED');
});

test('the MAILBOX offer: bytes, and negatives with their codes', async () => {
  const m = decodeAppMessage(fromHex(V.offer.bytes));
  assert.equal(m.kind, AppKind.MAILBOX);
  if (m.kind !== AppKind.MAILBOX) return;
  assert.equal(m.host, V.offer.host);
  assert.equal(m.port, V.offer.port);
  assert.equal(toHex(m.sendId), V.offer.send_id);
  assert.equal(toHex(m.mailboxKey), V.offer.mailbox_key);
  assert.equal(toHex(encodeAppMessage(m)), V.offer.bytes);
  for (const v of V.offer_negative) assert.equal(await codeOf(() => decodeAppMessage(fromHex(v.bytes))), v.expect, v.name);
});

test('offer decoding: typed errors only; decode∘encode is the identity', () => {
  const base = fromHex(V.offer.bytes);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(base.length), (junk, cut) => {
    for (const b of [junk, Uint8Array.of(AppKind.MAILBOX, ...junk), base.subarray(0, cut)]) {
      try {
        const m = decodeAppMessage(b);
        assert.deepEqual(encodeAppMessage(m), b);
      } catch (e) {
        assert.ok(isSecureChatError(e) && (e.code === 'DECODE_ERROR' || e.code === 'UNSUPPORTED_VERSION'), String(e));
      }
    }
  }), { numRuns: 300 });
});
