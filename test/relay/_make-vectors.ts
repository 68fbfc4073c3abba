/**
 * Writes test/vectors/relay-v1.json (run: npm run build && node dist/test/relay/_make-vectors.js).
 * Every byte is a function of the fixed inputs below; relay-vectors.test.ts recomputes them.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { concat, fromHex, toHex, u32be, u64be, u8 } from '../../src/crypto/bytes.js';
import { ed25519PublicFromSeed, ed25519Sign } from '../../src/crypto/ecc.js';
import { encryptAndHash, initializeSymmetric, mixHash, mixKey } from '../../src/crypto/noise.js';
import { x25519 } from '../../src/crypto/ecc.js';
import { signedBytes } from '../../src/relay/bodies.js';
import { clientFinish, clientHello, keyPairFrom, NK_PROTOCOL_NAME, RELAY_PROLOGUE, relayReply } from '../../src/relay/noise-nk.js';
import { encodeCommand, encodeReply, Op, Status, type Command } from '../../src/relay/wire.js';
import { encodeError, encodeItems, fitItems } from '../../src/relay/bodies.js';

const hex = (n: number, len = 32): Uint8Array => new Uint8Array(len).fill(n);
const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export function makeVectors(): Record<string, unknown> {
  const relayStatic = keyPairFrom(hex(0x11));
  const clientE = keyPairFrom(hex(0x22));
  const relayE = keyPairFrom(hex(0x33));
  const h = clientHello(relayStatic.pub, clientE);
  const r = relayReply(relayStatic, relayE, h.message);
  const c = clientFinish(h.state, clientE, relayStatic.pub, r.message);
  const flip = (b: Uint8Array, i: number): Uint8Array => b.map((x, j) => (j === i ? x ^ 0x01 : x));
  // A hello carrying version 2 (otherwise well formed), built token by token.
  let st = mixHash(mixHash(mixHash(initializeSymmetric(NK_PROTOCOL_NAME), RELAY_PROLOGUE), relayStatic.pub), clientE.pub);
  st = mixKey(st, x25519(clientE.priv, relayStatic.pub));
  const v2 = concat(clientE.pub, encryptAndHash(st, u8(2)).ciphertext);

  const sessionId = c.sessionId;
  const seed = hex(0x44);
  const cmd = (o: Omit<Command, 'sig'>): Record<string, string | number> => {
    const signed = signedBytes(sessionId, o);
    const sig = ed25519Sign(seed, signed);
    return { op: o.op, corr: o.corr, entity: toHex(o.entity), body: toHex(o.body), signed: toHex(signed), command: toHex(encodeCommand({ ...o, sig })) };
  };
  const queueId = hex(0x55, 16);
  const goodSend = encodeCommand({ corr: 2, op: Op.SEND, entity: queueId, sig: hex(0, 64), body: concat(hex(0x66, 16), u8(0x42)) });
  return {
    description: 'SecureChat relay protocol v1 (docs/RELAY.md): the Noise NK channel, commands, replies. Keys are fixed test values.',
    handshake: {
      protocol: NK_PROTOCOL_NAME,
      prologue: toHex(RELAY_PROLOGUE),
      relay_static_private: toHex(relayStatic.priv),
      relay_static_public: toHex(relayStatic.pub),
      client_ephemeral_private: toHex(clientE.priv),
      relay_ephemeral_private: toHex(relayE.priv),
      message1: toHex(h.message),
      message2: toHex(r.message),
      session_id: toHex(c.sessionId),
      root: toHex(c.root),
      chain_i2r: toHex(c.chainI2R),
      chain_r2i: toHex(c.chainR2I),
    },
    handshake_negative: [
      { name: 'message 1 with its tag altered', message1: toHex(flip(h.message, h.message.length - 1)), expect: 'AUTH_FAILED' },
      { name: 'message 1 with its ephemeral key altered', message1: toHex(flip(h.message, 0)), expect: 'AUTH_FAILED' },
      { name: 'message 1 one byte short', message1: toHex(h.message.subarray(1)), expect: 'DECODE_ERROR' },
      { name: 'message 1 for relay protocol version 2', message1: toHex(v2), expect: 'UNSUPPORTED_VERSION' },
    ],
    signing_seed: toHex(seed),
    signing_public: toHex(ed25519PublicFromSeed(seed)),
    commands: [
      cmd({ corr: 1, op: Op.QUEUE_NEW, entity: new Uint8Array(0), body: concat(ed25519PublicFromSeed(seed), ed25519PublicFromSeed(hex(0x45))) }),
      cmd({ corr: 2, op: Op.SEND, entity: queueId, body: concat(hex(0x66, 16), fromHex('c1a55ed0')) }),
      cmd({ corr: 3, op: Op.FETCH, entity: queueId, body: concat(u64be(0), u8(32)) }),
      cmd({ corr: 4, op: Op.ACK, entity: queueId, body: u64be(7) }),
      cmd({ corr: 5, op: Op.LOG_APPEND, entity: queueId, body: concat(u64be(9), fromHex('c0ffee')) }),
      cmd({ corr: 6, op: Op.KP_TAKE, entity: queueId, body: new Uint8Array(0) }),
    ],
    commands_negative: [
      { name: 'correlation id 0', command: toHex(concat(u32be(0), goodSend.subarray(4))), expect: 'DECODE_ERROR' },
      { name: 'unknown op 0x7f', command: toHex(concat(u32be(2), u8(0x7f), goodSend.subarray(5))), expect: 'DECODE_ERROR' },
      { name: 'SEND with a 15-byte queue id', command: toHex(concat(u32be(2), u8(Op.SEND), u8(15), hex(0x55, 15), u8(64), hex(0, 64))), expect: 'DECODE_ERROR' },
      { name: 'QUEUE_NEW with a queue id', command: toHex(concat(u32be(2), u8(Op.QUEUE_NEW), u8(16), queueId, u8(64), hex(0, 64))), expect: 'DECODE_ERROR' },
      { name: 'a 63-byte signature', command: toHex(concat(u32be(2), u8(Op.SEND), u8(16), queueId, u8(63), hex(0, 63))), expect: 'DECODE_ERROR' },
      { name: 'truncated inside the signature', command: toHex(goodSend.subarray(0, 40)), expect: 'DECODE_ERROR' },
      { name: 'three bytes', command: '000001', expect: 'DECODE_ERROR' },
    ],
    replies: [
      { name: 'ok with a position', reply: toHex(encodeReply({ corr: 5, status: Status.OK, body: u64be(10) })) },
      { name: 'conflict with the last position', reply: toHex(encodeReply({ corr: 5, status: Status.ERROR, body: encodeError('RELAY_CONFLICT', u64be(10)) })) },
      { name: 'notify', reply: toHex(encodeReply({ corr: 0, status: Status.NOTIFY, body: queueId })) },
    ],
    replies_negative: [{ name: 'unknown status 3', reply: toHex(concat(u32be(1), u8(3))), expect: 'DECODE_ERROR' }],
    // Items bodies (FETCH, LOG_READ, KP_TAKE): count || more || items. Two 40 000-byte items do
    // not fit one record: the reply carries the first and more = 1 (RELAY.md §3.2).
    items: [
      { name: 'empty', body: toHex(encodeItems([])), count: 0, more: false },
      { name: 'one item, nothing left out', body: toHex(encodeItems([{ seq: 7, msgId: hex(0x66, 16), data: fromHex('c1a55ed0') }])), count: 1, more: false },
      (() => {
        const p = fitItems([1, 2].map((n) => ({ seq: n, msgId: hex(0x60 + n, 16), data: hex(n, 40_000) })));
        const body = encodeItems(p.items, p.more);
        return { name: 'two 40 000-byte items: the first, more follow (sha256 of the body)', body_sha256: sha256hex(body), body_length: body.length, count: p.items.length, more: p.more };
      })(),
    ],
    items_negative: [
      { name: 'more flag 2', body: toHex(concat(u8(0), u8(2))), expect: 'DECODE_ERROR' },
      { name: 'more after an empty reply', body: toHex(concat(u8(0), u8(1))), expect: 'DECODE_ERROR' },
      { name: 'no more byte (the pre-R5 encoding)', body: toHex(u8(0)), expect: 'DECODE_ERROR' },
      { name: '33 items', body: toHex(concat(u8(33), u8(0))), expect: 'DECODE_ERROR' },
    ],
  };
}

if (process.argv[1]?.endsWith('_make-vectors.js') === true) {
  writeFileSync(new URL('../../../test/vectors/relay-v1.json', import.meta.url), `${JSON.stringify(makeVectors(), null, 2)}\n`);
  process.stdout.write('wrote test/vectors/relay-v1.json\n');
}
