/**
 * ATTACK FINDING R5 (attack2, /work/attack2/FINDINGS.md), HIGH: a FETCH or LOG_READ whose
 * reply would exceed one record (MAX_RECORD_PLAINTEXT, 65 536 bytes) is never answered: the
 * relay's send throws and the reply is dropped silently (src/relay/server.ts `send`), and the
 * client gives up after RELAY_REPLY_TIMEOUT_MS (30 s) with RELAY_UNAVAILABLE. Messages may be
 * 60 000 bytes and a FETCH asks for up to 32 (the client's default), so two messages of
 * 40 000 bytes — which anyone holding the send id can put there — make the queue unreadable
 * with the default call; two large entries do the same to a group's log for every member.
 * Measured against `securechat relay`: receive(q, 0, 1) → 1 item; receive(q, 0, 2) →
 * RELAY_UNAVAILABLE; readLog(log, 0, 32) → RELAY_UNAVAILABLE.
 *
 * Expected (fails on the current code): the reply carries as many items as fit in one record
 * (at least one), so receive() and readLog() with the default max return the first item(s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { RelayClient } from '../../src/relay/client.js';
import { startRelay } from '../relay/_relay.js';

test('ATTACK R5: FETCH and LOG_READ of items that together exceed one record still answer', { timeout: 120_000 }, async () => {
  const r = await startRelay(new MemoryStore());
  // A shorter reply timeout than the default 30 s (a bound, not the thing decided on: a
  // correct relay answers at once).
  const c = await RelayClient.connect({ host: '127.0.0.1', port: r.server.port, relayKey: r.key.pub, timeoutMs: 20_000 });
  try {
    const q = await c.createQueue();
    await c.send(q, new Uint8Array(40_000).fill(1));
    await c.send(q, new Uint8Array(40_000).fill(2));
    const got = await c.receive(q); // the default max (32)
    assert.ok(got.length >= 1, 'at least the first message comes back');
    assert.equal(got[0]?.data[0], 1);
    // The fix: a reply holds what fits one record and says more follow; the client asks again.
    assert.deepEqual(got.map((m) => m.data[0]), [1, 2], 'receive() follows `more` and returns both');
    const log = await c.createLog();
    const a = await c.appendLog(log, 0, new Uint8Array(40_000).fill(3));
    assert.ok(a.ok);
    const b = await c.appendLog(log, a.position, new Uint8Array(40_000).fill(4));
    assert.ok(b.ok);
    const entries = await c.readLog(log);
    assert.ok(entries.length >= 1, 'at least the first log entry comes back');
    assert.equal(entries[0]?.data[0], 3);
    assert.deepEqual(entries.map((m) => m.data[0]), [3, 4], 'readLog() follows `more` and returns both');
    assert.equal((await c.readLog(log, 0, 1)).length, 1, 'max 1 still means one');
  } finally {
    await c.close();
    await r.stop();
  }
});
