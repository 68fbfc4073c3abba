/**
 * The per-contact ratchet: the old secret is gone after a ratchet, and the two sides never
 * desynchronise when a connection dies mid-handshake or a process dies between the handshake
 * and its file write (each side keeps the previous secret until the new one is confirmed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHex } from '../../../src/crypto/bytes.js';
import { deterministicRandom } from '../../../src/crypto/random.js';
import { advanceInbound, advanceOutbound, MAX_SEEN } from '../../../src/handshake/reconnect/index.js';
import { decodeOneFrame } from '../../../src/wire/frame.js';
import { commit, freshPair, initiatorFor, reconnect, responderFor, type Pair } from './_pair.js';

const hexOf = (p: Pair): string => JSON.stringify(p, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v));

test('after two ratchets the first secret is in neither side\'s state, and cannot be derived forward', () => {
  const p = freshPair();
  const first = toHex(p.out.current.secret);
  commit(p, reconnect(initiatorFor(p, { random: deterministicRandom('a') }), responderFor(p)));
  assert.ok(hexOf(p).includes(first), 'kept as previous until the next one is confirmed');
  commit(p, reconnect(initiatorFor(p, { random: deterministicRandom('b') }), responderFor(p)));
  assert.ok(!hexOf(p).includes(first), 'gone after the second ratchet');
  assert.equal(p.out.current.epoch, 2);
  assert.equal(p.in!.previous!.epoch, 1);
});

test('the initiator crashed before saving (it is one behind): its next reconnect uses the previous epoch and both resync', () => {
  const p = freshPair();
  const before = p.out;
  const run = reconnect(initiatorFor(p, { random: deterministicRandom('a') }), responderFor(p));
  commit(p, run);
  p.out = before; // the initiator's write never happened
  const again = reconnect(initiatorFor(p, { random: deterministicRandom('b') }), responderFor(p));
  assert.equal(again.error, null);
  commit(p, again);
  assert.equal(toHex(p.out.current.secret), toHex(p.in!.current.secret));
  assert.equal(p.out.current.epoch, 1);
});

type Fate = 'ok' | 'lost-hello' | 'lost-reply' | 'no-confirm' | 'initiator-crash' | 'responder-crash' | 'replay';

test('fast-check: under any sequence of interrupted reconnects, the next clean one (with one retry) succeeds', () => {
  const fate = fc.constantFrom<Fate>('ok', 'lost-hello', 'lost-reply', 'no-confirm', 'initiator-crash', 'responder-crash', 'replay');
  fc.assert(
    fc.property(fc.array(fate, { minLength: 1, maxLength: 12 }), (fates) => {
      const p = freshPair();
      let n = 0;
      const rnd = (): ReturnType<typeof deterministicRandom> => deterministicRandom(`f${n++}`);
      let recorded: Uint8Array | null = null;
      for (const f of fates) {
        if (f === 'replay' && recorded !== null) {
          const code = (() => { try { responderFor(p).receive(decodeOneFrame(recorded)); return 'none'; } catch (e) { return (e as { code: string }).code; } })();
          assert.ok(code === 'RECONNECT_REPLAY' || code === 'RECONNECT_STALE', code);
          continue;
        }
        const run = reconnect(initiatorFor(p, { random: rnd() }), responderFor(p));
        if (run.error !== null) continue; // a refusal changes nothing
        if (f === 'lost-hello' || f === 'lost-reply') continue; // nobody commits
        const used = p.out.current;
        const out = advanceOutbound(used, run.i!.accepted, 0, p.out);
        const inb = p.in === null ? null : advanceInbound(p.in, run.r!.accepted);
        if (f === 'ok') { p.out = out; p.in = inb ?? p.in; recorded = run.hello; }
        if (f === 'no-confirm' || f === 'responder-crash') p.out = out; // responder did not commit
        if (f === 'initiator-crash') p.in = inb ?? p.in; // initiator did not save
      }
      // a clean reconnect, retrying once with the previous secret as the client does
      let run = reconnect(initiatorFor(p, { random: rnd() }), responderFor(p));
      let usedPrevious = false;
      if (run.error !== null) {
        assert.ok(['RECONNECT_STALE', 'AUTH_FAILED'].includes(run.error.code), run.error.code);
        run = reconnect(initiatorFor(p, { random: rnd(), usePrevious: true }), responderFor(p));
        usedPrevious = true;
      }
      assert.equal(run.error, null, `after ${fates.join(',')}`);
      commit(p, run, usedPrevious);
      assert.equal(toHex(p.out.current.secret), toHex(p.in!.current.secret));
    }),
    { numRuns: 150 },
  );
});

test('the replay markers are bounded', () => {
  let p = freshPair();
  for (let k = 0; k < MAX_SEEN + 5; k++) {
    const run = reconnect(initiatorFor(p, { random: deterministicRandom(`s${k}`), usePrevious: true }), responderFor(p));
    assert.equal(run.error, null);
    if (k === 0) { commit(p, run); continue; }
    p = { out: p.out, in: advanceInbound(p.in!, run.r!.accepted) };
  }
  assert.ok(p.in!.seen.length <= MAX_SEEN);
});
