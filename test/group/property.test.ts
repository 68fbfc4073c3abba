/**
 * fast-check over the group frame decoder: any bytes either decode or fail with a
 * SecureChatError (never another exception), and whatever decodes re-encodes to exactly the
 * bytes it came from (no malleability): for random bytes, and for mutations of real frames
 * (the RFC 9420 messages and a live suite-83 group's commit, Welcome and message).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { decodeGroupFrame, encodeGroupFrame, type FrameKindName } from '../../src/group/frame.js';
import { reencodeMlsMessage } from '../../src/group/mls.js';
import { changeMembers, send } from '../../src/group/group.js';
import { rfcMessages } from './_vectors.js';
import { makeUser, pinAll, text } from './_world.js';
import { groupOf } from './_groups.js';

function check(bytes: Uint8Array): 'decoded' | 'refused' {
  let f;
  try {
    f = decodeGroupFrame(bytes);
  } catch (e) {
    assert.ok(isSecureChatError(e), `a non-SecureChatError escaped: ${String(e)}`);
    return 'refused';
  }
  const again = encodeGroupFrame(f.kind, reencodeMlsMessage(f.mls));
  assert.deepEqual(again, bytes, 'decoded bytes re-encode to themselves');
  return 'decoded';
}

test('random bytes: decoded or refused with a SecureChatError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(1, 2, 3), (tail, kind) => {
      check(tail);
      check(Uint8Array.of(1, kind, 0, 1, ...tail));
    }),
    { numRuns: 2000 },
  );
});

test('mutations of real frames: decoded-and-canonical or refused', async () => {
  const rfc = rfcMessages();
  const seeds: Uint8Array[] = [
    encodeGroupFrame('message', fromHex(rfc['private_message']!)),
    encodeGroupFrame('welcome', fromHex(rfc['mls_welcome']!)),
    encodeGroupFrame('key_package', fromHex(rfc['mls_key_package']!)),
  ];
  const users = ['alice', 'bob'].map((n) => makeUser(n));
  pinAll(users);
  const [a] = await groupOf(83, users[0]!, [users[1]!], 'property');
  const c = await changeMembers(a!.group, { add: [], remove: [] }, users[0]!.pins);
  const m = await send(a!.group, text('property'), users[0]!.pins);
  seeds.push(c.commit!.frame, m.frame);
  for (const s of seeds) assert.equal(check(s), 'decoded');
  const kinds: FrameKindName[] = ['message', 'welcome', 'key_package'];
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), b: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('rekind' as const), k: fc.constantFrom(...kinds) }),
  );
  let refused = 0;
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
      let b = seed.slice();
      for (const x of ms) {
        const at = 'at' in x ? x.at % Math.max(1, b.length) : 0;
        if (x.op === 'flip') b[at] = (b[at] ?? 0) ^ (1 << x.bit);
        else if (x.op === 'cut') b = b.slice(0, at);
        else if (x.op === 'insert') b = Uint8Array.of(...b.slice(0, at), x.b, ...b.slice(at));
        else if (x.op === 'delete') b = Uint8Array.of(...b.slice(0, at), ...b.slice(at + 1));
        else b = Uint8Array.of(b[0] ?? 1, { message: 1, welcome: 2, key_package: 3 }[x.k], ...b.slice(2));
      }
      if (check(b) === 'refused') refused++;
    }),
    { numRuns: 600 },
  );
  assert.ok(refused > 0, 'some mutations were refused');
});
