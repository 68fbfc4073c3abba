import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SUITE_NAMES } from '../../src/crypto/aead.js';
import { Pair, SUITES, bytes, codeOf, feed, type End } from './_pair.js';

/** Sends `n` messages from `from`, delivering everything after each. */
function chat(p: Pair, from: End, n: number, tag: number): void {
  for (let k = 0; k < n; k++) {
    p.send(from, bytes(10, tag));
    p.flush();
  }
}

describe('rekey', () => {
  for (const suite of SUITES) {
    for (const who of ['I', 'R'] as const) {
      it(`${SUITE_NAMES[suite]}: by record count, started by ${who}`, () => {
        const p = new Pair(suite, { rekeyAfterRecords: 3, rejectAfterRecords: 10 });
        const a = who === 'I' ? p.i : p.r;
        const b = p.other(a);
        chat(p, a, 3, 1);
        assert.equal(a.session.stats.rekeysCompleted, 0);
        const frames = p.send(a, bytes(10, 2)); // INIT then APP
        assert.equal(frames.length, 2);
        assert.equal(a.session.rekeyPending, true);
        p.flush();
        assert.equal(a.session.stats.rekeysCompleted, 1);
        assert.equal(b.session.stats.rekeysCompleted, 1);
        assert.equal(a.session.rekeyPending, false);
        assert.equal(b.session.rekeyPending, false);
        chat(p, a, 2, 3);
        chat(p, b, 2, 4);
        assert.equal(b.received.length, 6);
        assert.equal(a.received.length, 2);
      });
    }
  }

  it('by time, in both directions', () => {
    const p = new Pair(0x01, { rekeyAfterMs: 1000 });
    p.now = 999;
    assert.deepEqual(p.tick(p.i), []);
    p.now = 1000;
    assert.equal(p.tick(p.i).length, 1);
    p.flush();
    assert.equal(p.i.session.stats.rekeysCompleted, 1);
    // R's chain changed at t=1000 when it answered; I's too. Nothing is due until t=2000.
    p.now = 1999;
    assert.deepEqual(p.tick(p.r), []);
    p.now = 2000;
    assert.equal(p.send(p.r, bytes(1)).length, 2);
    p.flush();
    assert.equal(p.r.session.stats.rekeysCompleted, 2);
    assert.equal(p.i.session.stats.rekeysCompleted, 2);
    assert.equal(p.i.received.length, 1);
  });

  it('simultaneous rekeys: the initiator wins', () => {
    const p = new Pair(0x02, { rekeyAfterMs: 1000 });
    p.now = 1000;
    assert.equal(p.tick(p.i).length, 1);
    assert.equal(p.tick(p.r).length, 1);
    p.send(p.i, bytes(5, 1));
    p.send(p.r, bytes(5, 2));
    p.flush();
    assert.equal(p.i.session.stats.rekeysCompleted, 1);
    assert.equal(p.r.session.stats.rekeysCompleted, 1);
    assert.equal(p.i.session.rekeyPending, false);
    assert.equal(p.r.session.rekeyPending, false);
    chat(p, p.i, 2, 3);
    chat(p, p.r, 2, 4);
    assert.equal(p.i.received.length, 3);
    assert.equal(p.r.received.length, 3);
  });

  it('messages flow during a pending rekey', () => {
    const p = new Pair(0x03, { rekeyAfterMs: 1000 });
    p.now = 1000;
    p.tick(p.i);
    p.send(p.i, bytes(3, 1)); // I's old chain, INIT outstanding
    p.send(p.r, bytes(3, 2)); // R has not seen the INIT yet
    p.deliver(p.r, 1); // R gets INIT, answers, switches its sending chain
    p.send(p.r, bytes(3, 3)); // on R's new chain, before I has the REPLY
    p.deliver(p.r); // R still receives I's old chain
    p.send(p.i, bytes(3, 4)); // still I's old chain: the REPLY is not in yet
    p.flush();
    assert.deepEqual(p.r.received, [bytes(3, 1), bytes(3, 4)]);
    assert.deepEqual(p.i.received, [bytes(3, 2), bytes(3, 3)]);
    assert.equal(p.i.session.stats.rekeysCompleted, 1);
    assert.equal(p.r.session.stats.rekeysCompleted, 1);
  });

  for (const suite of SUITES) {
    it(`${SUITE_NAMES[suite]}: after a rekey, the old chain opens nothing and the new records open nowhere else`, () => {
      // p rekeys; q is the same conversation without the rekey (same keys, same seq numbers).
      const p = new Pair(suite, { rekeyAfterMs: 1000 });
      const q = new Pair(suite, { rekeyAfterMs: 1e9 });
      p.send(p.i, bytes(3, 1));
      p.now = 1000;
      p.tick(p.i); // seq 1: INIT
      p.flush(); // seq 2: DONE
      const [fresh] = p.send(p.i, bytes(3, 2)); // seq 3 on the new chain
      for (let k = 0; k < 3; k++) q.send(q.i, bytes(3, 1));
      q.flush();
      const [stale] = q.send(q.i, bytes(3, 2)); // seq 3 on the old chain
      assert.equal(codeOf(() => feed(q.r, fresh!)), 'AUTH_FAILED');
      assert.equal(codeOf(() => feed(p.r, stale!)), 'AUTH_FAILED');
    });
  }

  it('LIMIT_REACHED when the peer never answers a rekey, and the session still closes', () => {
    const p = new Pair(0x01, { rekeyAfterRecords: 2, rejectAfterRecords: 5 });
    const sent: number[] = [];
    for (let k = 0; k < 10; k++) {
      const code = codeOf(() => sent.push(p.i.session.sendApp(bytes(1), 0, p.i.random).length));
      if (code !== 'NO_ERROR') {
        assert.equal(code, 'LIMIT_REACHED');
        break;
      }
    }
    assert.deepEqual(sent, [1, 1, 2, 1]); // 2 records, INIT + APP, APP: 5 records on one chain
    assert.equal(p.i.session.state, 'open');
    assert.equal(codeOf(() => p.i.session.sendApp(bytes(1), 0, p.i.random)), 'LIMIT_REACHED');
    assert.ok(p.i.session.close(1).length > 0);
    assert.equal(p.i.session.state, 'closing');
  });
});
