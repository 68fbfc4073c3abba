/**
 * fast-check: random interleavings of sends, rekeys and delivery in both directions always
 * deliver all application data in order; random adversarial mutations of the frames in flight
 * never make `receive` return wrong data or throw anything but a SecureChatError.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc } from 'node:zlib';
import fc from 'fast-check';
import { u32be } from '../../src/crypto/bytes.js';
import { SecureChatError } from '../../src/errors.js';
import { Pair, SUITES, type End } from './_pair.js';

type Side = 'I' | 'R';
type Cmd =
  | { op: 'send'; side: Side; size: number }
  | { op: 'tick'; side: Side; advance: number }
  | { op: 'deliver'; side: Side; count: number };

const arbSide = fc.constantFrom<Side>('I', 'R');
const arbCmd: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('send' as const), side: arbSide, size: fc.integer({ min: 0, max: 40 }) }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('tick' as const), side: arbSide, advance: fc.integer({ min: 0, max: 60 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('deliver' as const), side: arbSide, count: fc.integer({ min: 1, max: 4 }) }), weight: 4 },
);

/** A payload that names its direction and index, so misdelivery cannot go unnoticed. */
function payload(side: Side, index: number, size: number): Uint8Array {
  const b = new Uint8Array(size + 5);
  b[0] = side === 'I' ? 0x49 : 0x52;
  b.set(u32be(index), 1);
  b.fill(index & 0xff, 5);
  return b;
}

function end(p: Pair, s: Side): End {
  return s === 'I' ? p.i : p.r;
}

describe('session properties', () => {
  it('random interleavings of sends, rekeys and delivery deliver everything in order', () => {
    let rekeys = 0;
    fc.assert(
      fc.property(fc.constantFrom(...SUITES), fc.array(arbCmd, { minLength: 10, maxLength: 80, size: 'max' }), (suite, cmds) => {
        const p = new Pair(suite, { rekeyAfterRecords: 4, rekeyAfterMs: 100, rejectAfterRecords: 1000 });
        const sent: Record<Side, Uint8Array[]> = { I: [], R: [] };
        for (const c of cmds) {
          const e = end(p, c.side);
          if (c.op === 'send') {
            const d = payload(c.side, sent[c.side].length, c.size);
            sent[c.side].push(d);
            p.send(e, d);
          } else if (c.op === 'tick') {
            p.now += c.advance;
            p.tick(e);
          } else p.deliver(e, c.count);
        }
        p.flush();
        assert.deepEqual(p.r.received, sent.I);
        assert.deepEqual(p.i.received, sent.R);
        // Every rekey that was started has finished on both sides.
        assert.equal(p.i.session.rekeyPending, false);
        assert.equal(p.r.session.rekeyPending, false);
        // And the conversation closes cleanly.
        p.r.inbox.push(p.i.session.close());
        p.flush();
        assert.equal(p.i.session.state, 'closed');
        assert.equal(p.r.session.state, 'closed');
        p.i.session.end();
        p.r.session.end();
        rekeys += p.i.session.stats.rekeysCompleted;
      }),
      { numRuns: 150 },
    );
    assert.ok(rekeys > 50, `the runs exercised rekeys (${rekeys})`);
  });

  type Attack =
    | { kind: 'drop' | 'duplicate' | 'swap'; at: number }
    | { kind: 'flip'; at: number; bit: number; fixCrc: boolean };
  const arbAttack: fc.Arbitrary<Attack> = fc.oneof(
    fc.record({ kind: fc.constantFrom('drop' as const, 'duplicate' as const, 'swap' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(), fixCrc: fc.boolean() }),
  );

  it('adversarial drop / duplicate / reorder / flip never yield wrong data or untyped errors', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUITES),
        fc.array(fc.oneof({ arbitrary: arbCmd, weight: 3 }, { arbitrary: arbAttack.map((a) => ({ op: 'attack' as const, side: 'R', a })), weight: 1 }), {
          maxLength: 60,
          size: 'max',
        }),
        (suite, cmds) => {
          const p = new Pair(suite, { rekeyAfterRecords: 3, rekeyAfterMs: 100, rejectAfterRecords: 1000 });
          const sent: Record<Side, Uint8Array[]> = { I: [], R: [] };
          const dead: Record<Side, boolean> = { I: false, R: false };
          const guard = (s: Side, f: () => void): void => {
            if (dead[s]) return;
            try {
              f();
            } catch (e) {
              assert.ok(e instanceof SecureChatError, `untyped error: ${String(e)}`);
              dead[s] = true;
            }
          };
          for (const c of cmds) {
            if (c.op === 'attack') {
              // The attacker works on the frames in flight in either direction.
              const q = (c.a.at & 1) === 0 ? p.r.inbox : p.i.inbox;
              if (q.length === 0) continue;
              const k = (c.a.at >> 1) % q.length;
              const f = q[k]!;
              if (c.a.kind === 'drop') q.splice(k, 1);
              else if (c.a.kind === 'duplicate') q.splice(k, 0, f.slice());
              else if (c.a.kind === 'swap') {
                if (k + 1 < q.length) [q[k], q[k + 1]] = [q[k + 1]!, f];
              } else if (c.a.kind === 'flip') {
                const m = f.slice();
                const bit = c.a.bit % ((c.a.fixCrc ? m.length - 4 : m.length) * 8);
                m[bit >> 3]! ^= 1 << (bit & 7);
                if (c.a.fixCrc) m.set(u32be((zlibCrc(m.subarray(0, m.length - 4)) >>> 0)), m.length - 4);
                q[k] = m;
              }
              continue;
            }
            const e = end(p, c.side);
            if (c.op === 'send') {
              const d = payload(c.side, sent[c.side].length, c.size);
              guard(c.side, () => {
                p.send(e, d);
                sent[c.side].push(d);
              });
            } else if (c.op === 'tick') {
              p.now += c.advance;
              guard(c.side, () => void p.tick(e));
            } else guard(c.side, () => void p.deliver(e, c.count));
          }
          guard('R', () => p.deliver(p.r));
          guard('I', () => p.deliver(p.i));
          // Whatever was delivered is exactly a prefix of what was sent, in order.
          assert.deepEqual(p.r.received, sent.I.slice(0, p.r.received.length));
          assert.deepEqual(p.i.received, sent.R.slice(0, p.i.received.length));
        },
      ),
      { numRuns: 200 },
    );
  });
});
