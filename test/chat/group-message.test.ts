/** docs/PROTOCOL.md §12: the GROUP application message, against test/vectors/group-app-v1.json, plus properties. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { SecureChatError } from '../../src/errors.js';
import { AppKind, decodeAppMessage, encodeAppMessage, type GroupAppMessage } from '../../src/chat/message.js';
import { GroupOp } from '../../src/chat/group-message.js';
import { MAX_GROUP_BODY_BYTES } from '../../src/limits.js';
import { codeOf } from '../session/_pair.js';

interface Pos { name: string; message: { id: number; op: number; name?: string; frame?: string }; bytes: string }
interface Neg { name: string; bytes?: string; repeat?: { prefix: string; byte: string; count: number }; code: string }
const V = JSON.parse(readFileSync(new URL('../../../test/vectors/group-app-v1.json', import.meta.url), 'utf8')) as { positive: Pos[]; negative: Neg[] };
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

function messageOf(p: Pos): GroupAppMessage {
  const m = p.message;
  const frame = hex(m.frame ?? '');
  if (m.op === GroupOp.KP_REQUEST) return { kind: AppKind.GROUP, id: m.id, op: GroupOp.KP_REQUEST };
  if (m.op === GroupOp.WELCOME) return { kind: AppKind.GROUP, id: m.id, op: GroupOp.WELCOME, name: m.name ?? '', frame };
  if (m.op === GroupOp.FRAME || m.op === GroupOp.KEY_PACKAGE) return { kind: AppKind.GROUP, id: m.id, op: m.op, frame };
  throw new Error(`bad vector ${p.name}`);
}

describe('§12 GROUP application messages', () => {
  it('positive vectors: decode gives the message, encode gives the bytes', () => {
    assert.ok(V.positive.length >= 4);
    for (const p of V.positive) {
      const m = messageOf(p);
      assert.deepEqual(decodeAppMessage(hex(p.bytes)), m, p.name);
      assert.equal(Buffer.from(encodeAppMessage(m)).toString('hex'), p.bytes, p.name);
    }
  });

  it('negative vectors fail with the code they name', () => {
    for (const n of V.negative) {
      const b = n.repeat === undefined ? hex(n.bytes ?? '') : hex(n.repeat.prefix + n.repeat.byte.repeat(n.repeat.count));
      assert.equal(codeOf(() => decodeAppMessage(b)), n.code, n.name);
    }
  });

  it('round trip for any op, name and frame; any bytes after the kind decode or fail with DECODE_ERROR', () => {
    const arb: fc.Arbitrary<GroupAppMessage> = fc.oneof(
      fc.record({ kind: fc.constant(AppKind.GROUP), id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), op: fc.constantFrom(GroupOp.FRAME, GroupOp.KEY_PACKAGE), frame: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
      fc.record({ kind: fc.constant(AppKind.GROUP), id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), op: fc.constant(GroupOp.WELCOME), name: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/), frame: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
      fc.record({ kind: fc.constant(AppKind.GROUP), id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), op: fc.constant(GroupOp.KP_REQUEST) }),
    );
    fc.assert(fc.property(arb, (m) => {
      const b = encodeAppMessage(m);
      assert.deepEqual(encodeAppMessage(decodeAppMessage(b)), b);
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), (tail) => {
      try {
        decodeAppMessage(Uint8Array.from([0x10, 0, 0, 0, 0, 0, 0, 0, 1, ...tail]));
      } catch (e) {
        assert.ok(e instanceof SecureChatError && e.code === 'DECODE_ERROR');
      }
    }));
  });

  it('a body over one record is refused on encode (GROUP_TOO_LARGE), not sent', () => {
    const frame = new Uint8Array(MAX_GROUP_BODY_BYTES);
    assert.equal(codeOf(() => encodeAppMessage({ kind: AppKind.GROUP, id: 1, op: GroupOp.FRAME, frame })), 'GROUP_TOO_LARGE');
    assert.doesNotThrow(() => encodeAppMessage({ kind: AppKind.GROUP, id: 1, op: GroupOp.FRAME, frame: frame.subarray(1) }));
  });
});
