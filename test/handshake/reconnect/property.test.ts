/**
 * fast-check over the reconnect machines: frames between them dropped, duplicated, reordered
 * (another run's frame delivered instead) or corrupted (a bit flipped, CRC fixed or not). A
 * machine only ever throws a SecureChatError, completes only on the genuine frame, and when
 * both complete their keys are equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHex } from '../../../src/crypto/bytes.js';
import { deterministicRandom } from '../../../src/crypto/random.js';
import { isSecureChatError } from '../../../src/errors.js';
import { FrameDecoder } from '../../../src/wire/frame.js';
import { fixCrc, freshPair, initiatorFor, responderFor } from './_pair.js';
import type { ReconnectInitiator, ReconnectResponder, ReconnectStep } from '../../../src/handshake/reconnect/index.js';

type Action = { kind: 'deliver' } | { kind: 'drop' } | { kind: 'duplicate' } | { kind: 'foreign' } | { kind: 'flip'; at: number; bit: number; fix: boolean };
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.constant<Action>({ kind: 'deliver' }), weight: 4 },
  fc.constant<Action>({ kind: 'drop' }),
  fc.constant<Action>({ kind: 'duplicate' }),
  fc.constant<Action>({ kind: 'foreign' }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), fix: fc.boolean() }),
);

function feed(m: ReconnectInitiator | ReconnectResponder, bytes: readonly Uint8Array[]): { result: ReconnectStep['result'] | null; out: Uint8Array[]; code: string | null } {
  const d = new FrameDecoder();
  let result: ReconnectStep['result'] | null = null;
  const out: Uint8Array[] = [];
  try {
    for (const b of bytes) {
      for (const f of d.push(b)) {
        const s = m.receive(f);
        out.push(...s.send);
        if (s.result !== undefined) result = s.result;
      }
    }
    return { result, out, code: null };
  } catch (e) {
    if (!isSecureChatError(e)) throw e;
    return { result, out, code: e.code };
  }
}

function apply(a: Action, genuine: Uint8Array, foreign: Uint8Array): Uint8Array[] {
  switch (a.kind) {
    case 'deliver': return [genuine];
    case 'drop': return [];
    case 'duplicate': return [genuine, genuine.slice()];
    case 'foreign': return [foreign];
    case 'flip': {
      const b = genuine.slice();
      const at = a.at % b.length;
      b[at]! ^= 1 << a.bit;
      return [a.fix && at < b.length - 4 ? fixCrc(b) : b];
    }
  }
}

test('fast-check: drop, duplicate, reorder and corrupt between the reconnect machines', () => {
  const p = freshPair();
  const other = freshPair();
  const foreignRun = (() => {
    const i = initiatorFor(other, { random: deterministicRandom('foreign') });
    const hello = i.start();
    const r = responderFor(other, { random: deterministicRandom('foreign-r') });
    return { hello, reply: r.receive(new FrameDecoder().push(hello)[0]!).send[0]! };
  })();
  let n = 0;
  fc.assert(
    fc.property(action, action, (a1, a2) => {
      const i = initiatorFor(p, { random: deterministicRandom(`p${n}`) });
      const r = responderFor(p, { random: deterministicRandom(`q${n++}`) });
      const hello = i.start();
      const rr = feed(r, apply(a1, hello, foreignRun.hello));
      const reply = rr.out[0];
      const ir = feed(i, reply === undefined ? [] : apply(a2, reply, foreignRun.reply));
      if (rr.result !== null && rr.result !== undefined && a1.kind !== 'deliver' && a1.kind !== 'duplicate') {
        // a completion on anything but the genuine hello must be a hello that still authenticates
        assert.ok(a1.kind === 'flip' || a1.kind === 'foreign', `responder completed on ${a1.kind}`);
      }
      if (ir.result !== null && ir.result !== undefined) {
        assert.ok(rr.result !== null && rr.result !== undefined, 'the initiator completed without the responder');
        assert.equal(toHex(ir.result.root), toHex(rr.result.root), 'equal keys when both complete');
        assert.ok(a2.kind === 'deliver' || a2.kind === 'duplicate', `initiator completed on ${a2.kind}`);
      }
      if (a1.kind === 'duplicate') assert.equal(rr.code, 'UNEXPECTED_MESSAGE');
      if (a1.kind === 'deliver' && a2.kind === 'deliver') assert.ok(ir.result !== null && ir.code === null);
    }),
    { numRuns: 200 },
  );
});
