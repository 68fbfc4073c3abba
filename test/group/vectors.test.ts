/**
 * test/vectors/groups-v1.json (our framing and credentials) regenerated and compared byte for
 * byte, then every vector run; and the RFC 9420 interop vectors run through the adapter
 * (src/group/mls.ts): crypto-basics for suite 1 (RefHash, ExpandWithLabel, DeriveSecret,
 * DeriveTreeSecret, SignWithLabel/VerifyWithLabel) and messages (decode then encode of every
 * MLSMessage gives back the same bytes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { isSecureChatError } from '../../src/errors.js';
import { checkMember, decodeCredential, encodeCredential } from '../../src/group/credential.js';
import { decodeGroupFrame } from '../../src/group/frame.js';
import { MlsSuite, labelledCrypto, reencodeMlsMessage } from '../../src/group/mls.js';
import { generate, rfcMessages, serialise, VECTORS_PATH } from './_vectors.js';

interface Vectors {
  frames: { name: string; frame: string; kind: string; wire_format: string; group_id?: string; epoch?: string; content_type?: string }[];
  negative_frames: { name: string; frame: string; error: string }[];
  oversize_frame: { length: number; error: string };
  credentials: { name: string; identity_key: string; credential: string }[];
  negative_credentials: { name: string; credential: string; signature_key: string; pinned?: string; error: string }[];
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return isSecureChatError(e) ? e.code : `not a SecureChatError: ${String(e)}`;
  }
};

test('groups-v1.json is what the generator produces', () => {
  assert.equal(readFileSync(VECTORS_PATH, 'utf8'), serialise(generate()));
});

test('groups-v1.json: frames decode to their header; negative frames and credentials fail with their code', () => {
  const v = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as Vectors;
  assert.equal(v.frames.length, 3);
  for (const f of v.frames) {
    const d = decodeGroupFrame(fromHex(f.frame));
    assert.equal(d.kind, f.kind, f.name);
    assert.equal(d.header.wireFormat, f.wire_format, f.name);
    if (f.group_id !== undefined) {
      assert.equal(toHex(d.header.groupId!), f.group_id, f.name);
      assert.equal(String(d.header.epoch), f.epoch, f.name);
      assert.equal(d.header.contentType, f.content_type, f.name);
    }
  }
  assert.ok(v.negative_frames.length >= 10);
  for (const n of v.negative_frames) assert.equal(codeOf(() => decodeGroupFrame(fromHex(n.frame))), n.error, n.name);
  assert.equal(codeOf(() => decodeGroupFrame(new Uint8Array(v.oversize_frame.length))), v.oversize_frame.error);
  for (const c of v.credentials) {
    assert.equal(toHex(encodeCredential(c.name, fromHex(c.identity_key))), c.credential);
    assert.equal(decodeCredential(fromHex(c.credential)).name, c.name);
    assert.equal(checkMember(fromHex(c.credential), fromHex(c.identity_key), () => undefined).keyState, 'unverified');
    assert.equal(checkMember(fromHex(c.credential), fromHex(c.identity_key), () => fromHex(c.identity_key)).keyState, 'verified');
  }
  for (const n of v.negative_credentials) {
    const pinned = n.pinned === undefined ? undefined : fromHex(n.pinned);
    assert.equal(codeOf(() => checkMember(fromHex(n.credential), fromHex(n.signature_key), () => pinned)), n.error, n.name);
  }
});

test('RFC 9420 crypto-basics (suite 1) through the adapter', async () => {
  const path = new URL('../../../test/vectors/mls-rfc9420/crypto-basics-suite1.json', import.meta.url);
  const v = (JSON.parse(readFileSync(path, 'utf8')) as { vector: Record<string, Record<string, string | number>> }).vector;
  const h = (o: Record<string, string | number> | undefined, k: string): Uint8Array => fromHex(String(o?.[k]));
  const s = (o: Record<string, string | number> | undefined, k: string): string => String(o?.[k]);
  const n = (o: Record<string, string | number> | undefined, k: string): number => Number(o?.[k]);
  const c = labelledCrypto(await MlsSuite.load(1, deterministicRandom('unused')));
  const rh = v['ref_hash'];
  assert.equal(toHex(await c.refHash(s(rh, 'label'), h(rh, 'value'))), s(rh, 'out'));
  const ewl = v['expand_with_label'];
  assert.equal(toHex(await c.expandWithLabel(h(ewl, 'secret'), s(ewl, 'label'), h(ewl, 'context'), n(ewl, 'length'))), s(ewl, 'out'));
  const ds = v['derive_secret'];
  assert.equal(toHex(await c.deriveSecret(h(ds, 'secret'), s(ds, 'label'))), s(ds, 'out'));
  const dts = v['derive_tree_secret'];
  assert.equal(toHex(await c.deriveTreeSecret(h(dts, 'secret'), s(dts, 'label'), n(dts, 'generation'), n(dts, 'length'))), s(dts, 'out'));
  const swl = v['sign_with_label'];
  // keys are opaque<V> in the vector: a one-byte length (0x20) then 32 bytes
  const priv = h(swl, 'priv').slice(1);
  const pub = h(swl, 'pub').slice(1);
  assert.ok(await c.verifyWithLabel(pub, s(swl, 'label'), h(swl, 'content'), h(swl, 'signature')));
  assert.equal(toHex(await c.signWithLabel(priv, s(swl, 'label'), h(swl, 'content'))), s(swl, 'signature'), 'Ed25519 is deterministic');
  const bad = h(swl, 'signature');
  bad[0]! ^= 1;
  assert.equal(await c.verifyWithLabel(pub, s(swl, 'label'), h(swl, 'content'), bad), false);
});

test('RFC 9420 messages: every MLSMessage decodes and re-encodes to the same bytes through the adapter', () => {
  const v = rfcMessages();
  const keys = Object.keys(v);
  assert.equal(keys.length, 7);
  for (const k of keys) assert.equal(toHex(reencodeMlsMessage(fromHex(v[k]!))), v[k], k);
});
