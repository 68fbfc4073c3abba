/**
 * test/vectors/relay-v1.json: the relay channel's handshake and the command and reply
 * encodings, byte for byte, with the negative vectors' codes; plus fast-check properties:
 * decoders never throw anything but a typed DECODE_ERROR, and encode∘decode is the identity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { decodeItemsPage, verifyCommand } from '../../src/relay/bodies.js';
import { clientFinish, clientHello, keyPairFrom, relayReply } from '../../src/relay/noise-nk.js';
import { decodeCommand, decodeReply, encodeCommand, encodeReply } from '../../src/relay/wire.js';
import { makeVectors } from './_make-vectors.js';

const V = JSON.parse(readFileSync(new URL('../../../test/vectors/relay-v1.json', import.meta.url), 'utf8')) as ReturnType<typeof makeVectors> & Record<string, never>;
const vec = V as unknown as {
  handshake: Record<string, string>;
  handshake_negative: { name: string; message1: string; expect: string }[];
  signing_public: string;
  commands: { command: string; signed: string; op: number; corr: number; entity: string; body: string }[];
  commands_negative: { name: string; command: string; expect: string }[];
  replies: { name: string; reply: string }[];
  replies_negative: { name: string; reply: string; expect: string }[];
  items: { name: string; body?: string; body_sha256?: string; body_length?: number; count: number; more: boolean }[];
  items_negative: { name: string; body: string; expect: string }[];
};

const code = (f: () => unknown): string => {
  try {
    f();
    return 'none';
  } catch (e) {
    return isSecureChatError(e) ? e.code : `untyped: ${String(e)}`;
  }
};

test('the vector file is what the code computes (no silent drift)', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(makeVectors())), V);
});

test('handshake vector: both sides, byte for byte', () => {
  const h = vec.handshake;
  const relayStatic = keyPairFrom(fromHex(h['relay_static_private']!));
  const e = keyPairFrom(fromHex(h['client_ephemeral_private']!));
  const hello = clientHello(fromHex(h['relay_static_public']!), e);
  assert.equal(toHex(hello.message), h['message1']);
  const r = relayReply(relayStatic, keyPairFrom(fromHex(h['relay_ephemeral_private']!)), hello.message);
  assert.equal(toHex(r.message), h['message2']);
  const c = clientFinish(hello.state, e, relayStatic.pub, r.message);
  for (const x of [c, r.result]) {
    assert.equal(toHex(x.sessionId), h['session_id']);
    assert.equal(toHex(x.chainI2R), h['chain_i2r']);
    assert.equal(toHex(x.chainR2I), h['chain_r2i']);
    assert.equal(toHex(x.root), h['root']);
  }
});

test('handshake negative vectors name their code', () => {
  const h = vec.handshake;
  const relayStatic = keyPairFrom(fromHex(h['relay_static_private']!));
  for (const n of vec.handshake_negative) {
    assert.equal(code(() => relayReply(relayStatic, keyPairFrom(new Uint8Array(32).fill(3)), fromHex(n.message1))), n.expect, n.name);
  }
});

test('command vectors decode to their fields, verify under the session id, re-encode to the same bytes', () => {
  const sid = fromHex(vec.handshake['session_id']!);
  for (const v of vec.commands) {
    const c = decodeCommand(fromHex(v.command));
    assert.equal(c.op, v.op);
    assert.equal(c.corr, v.corr);
    assert.equal(toHex(c.entity), v.entity);
    assert.equal(toHex(c.body), v.body);
    verifyCommand(sid, c, fromHex(vec.signing_public));
    assert.equal(code(() => verifyCommand(new Uint8Array(16), c, fromHex(vec.signing_public))), 'AUTH_FAILED', 'another session: the signature fails');
    assert.equal(toHex(encodeCommand(c)), v.command);
  }
  for (const n of vec.commands_negative) assert.equal(code(() => decodeCommand(fromHex(n.command))), n.expect, n.name);
});

test('reply vectors round-trip; negative vectors name their code', () => {
  for (const v of vec.replies) assert.equal(toHex(encodeReply(decodeReply(fromHex(v.reply)))), v.reply, v.name);
  for (const n of vec.replies_negative) assert.equal(code(() => decodeReply(fromHex(n.reply))), n.expect, n.name);
});

test('items vectors decode to their count and more flag; negative vectors name their code', () => {
  for (const v of vec.items) {
    if (v.body === undefined) continue; // the large one is checked by the drift test above (sha256 of what the code makes)
    const p = decodeItemsPage(fromHex(v.body));
    assert.equal(p.items.length, v.count, v.name);
    assert.equal(p.more, v.more, v.name);
  }
  assert.ok(vec.items.some((v) => v.more && v.count === 1 && (v.body_length ?? 0) <= 65_536 - 5), 'the large vector fits one record with its reply header');
  for (const n of vec.items_negative) assert.equal(code(() => decodeItemsPage(fromHex(n.body))), n.expect, n.name);
});

test('property: any bytes give a command or a typed DECODE_ERROR; decoded commands re-encode exactly', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      let c;
      try {
        c = decodeCommand(b);
      } catch (e) {
        assert.ok(isSecureChatError(e) && e.code === 'DECODE_ERROR', String(e));
        return;
      }
      assert.deepEqual(encodeCommand(c), b);
    }),
    { numRuns: 2_000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      try {
        assert.deepEqual(encodeReply(decodeReply(b)), b);
      } catch (e) {
        assert.ok(isSecureChatError(e) && e.code === 'DECODE_ERROR', String(e));
      }
    }),
    { numRuns: 2_000 },
  );
});
