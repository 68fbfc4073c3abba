/**
 * ATTACK FINDING R2 (attack2, /work/attack2/FINDINGS.md): a group log has no quota. A queue
 * stops at `maxQueueMessages` (RELAY_QUOTA), but LOG_APPEND takes any number of entries, so
 * one holder of a log's append key (anyone: LOG_NEW needs no authority) grows the relay's
 * store without bound (60 000 bytes per entry, 200 appends/s per connection, 64 connections
 * per source, kept 7 days). Measured against `securechat relay` (SQLite): 1 100 appends
 * accepted where a queue refused the 1 001st send.
 *
 * Expected (fails on the current code): a log refuses an append past the quota with
 * RELAY_QUOTA, like a queue. The quota used here is the queue's (`maxQueueMessages`); if the
 * fix gives logs a limit of their own, point the test at it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { startRelay } from '../relay/_relay.js';

test('ATTACK R2: a group log refuses entries past the quota (RELAY_QUOTA), as a queue does', async () => {
  const r = await startRelay(new MemoryStore(), { limits: { maxQueueMessages: 5, maxLogEntries: 5 } }); // the log's quota is its own (MAX_RELAY_LOG_ENTRIES, 1 000 like the queue's)
  const c = await r.connect();
  try {
    const q = await c.createQueue();
    for (let i = 0; i < 5; i++) assert.equal(await c.send(q, utf8(`m${i}`)), 'stored');
    await assert.rejects(c.send(q, utf8('one too many')), (e: unknown) => isSecureChatError(e) && e.code === 'RELAY_QUOTA', 'the queue stops at its quota');
    const log = await c.createLog();
    let last = 0;
    for (let i = 0; i < 5; i++) {
      const o = await c.appendLog(log, last, utf8(`entry ${i}`));
      assert.ok(o.ok);
      last = o.position;
    }
    await assert.rejects(c.appendLog(log, last, utf8('one too many')), (e: unknown) => isSecureChatError(e) && e.code === 'RELAY_QUOTA', 'the log stops at the quota too');
  } finally {
    await c.close();
    await r.stop();
  }
});
