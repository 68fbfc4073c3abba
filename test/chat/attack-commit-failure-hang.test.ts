/**
 * ATTACK FINDING (branch `attack`, regression test; fails until fixed): when writing what a
 * successful login proved fails on the connecting side — the pin (`policy.commit`, known_peers),
 * the KSF pin, or the new contact (`contacts.madeContact`, contacts.json: a full disk, a file in
 * the way) — `connect` (src/chat/connect.ts) calls `conn.close()` on a SecureConnection that was
 * never `start()`ed. Without handlers, the peer's answering CLOSE and then the socket's close are
 * only queued as "early" frames (SecureConnection.onFrame / onSocketClose), so `#finish` never
 * runs, the close waiters never resolve, and `connect` never settles: `send` hangs (in the agent,
 * a request that never answers) instead of one sentence and exit 1. Found while writing the
 * invitation test (a contacts directory that did not exist made the accept hang for ever).
 *
 * Fix: start the connection (or destroy it) before closing it on that path — e.g. in connect's
 * catch, `conn.destroy(err)` or `conn.start({ onApp() {}, onClose() {} })` then `close()` — and make
 * SecureConnection.close() on an unstarted connection finish by itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/chat/connect.js';
import { listen } from '../../src/chat/listener.js';
import { localError } from '../../src/errors.js';
import { party } from './_fixture.js';
import { within } from '../_util/wait.js';

test('ATTACK: a login whose pin cannot be written fails with that error; it does not hang', { timeout: 120_000 }, async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  const l = await listen({ port: 0, account: bob.account, self: bob.self, policy: bob.policy, onConversation: (c) => c.on('message', () => undefined) });
  try {
    const failing = { ...alice.policy, commit: () => Promise.reject(localError('STORAGE_ERROR', 'cannot write known_peers.json (disk full)')) };
    const outcome = await within(
      connect({ host: '127.0.0.1', port: l.port, account: 'bob', password: bob.password, self: alice.self, policy: failing }).then(
        () => 'connected',
        (e: unknown) => (e as { code?: string }).code ?? 'unknown',
      ),
      'connect to settle after the pin failed to be written (it hangs: the unstarted connection never finishes closing)',
      30_000,
    ).catch((e: unknown) => `HANG: ${(e as Error).message}`);
    assert.equal(outcome, 'STORAGE_ERROR');
  } finally {
    await l.close();
  }
});
