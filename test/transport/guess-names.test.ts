/**
 * Issue 10, F2 (outside attack): made-up account names must not reset a drained account's
 * guessing budget. Before the fix each name got a bucket of its own in the limiter's LRU, and
 * enough of them pushed the listener's own account's drained bucket out: it came back full.
 * Real logins over TCP from 127.0.0.2 against a listener whose limiter tracks 2 accounts and
 * gives 2 guesses each; the listener charges every name but its own to one shared bucket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { FailureLimiter } from '../../src/transport/limiter.js';
import { party } from '../chat/_fixture.js';

const wrong = (i: number): Uint8Array => new TextEncoder().encode(`guess ${i}`);

test('F2: guesses for made-up account names neither reset the listener\'s drained budget nor get one of their own', { timeout: 120_000 }, async () => {
  const alice = await party('alice');
  const mallory = await party('mallory');
  const limiter = new FailureLimiter({ accountBurst: 2, maxKeys: 2, perAddress: 100 });
  const l = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, limiter, onConversation: (c) => c.on('message', () => undefined) });
  const guess = async (account: string, i: number): Promise<string> => {
    try {
      await (await connect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.2', busyRetries: 0, account, password: wrong(i), self: mallory.self, policy: mallory.policy })).close();
      return 'OK';
    } catch (e) {
      const x = e as { code?: string; alert?: string };
      return x.code === 'PEER_ALERT' ? `ALERT ${x.alert ?? ''}` : x.code ?? 'unknown';
    }
  };
  try {
    assert.deepEqual([await guess('alice', 0), await guess('alice', 1)], ['AUTH_FAILED', 'AUTH_FAILED'], 'alice\'s two guesses are evaluated');
    assert.equal(await guess('alice', 2), 'ALERT busy', 'then her bucket is empty');
    const madeUp = [await guess('nobody-1', 3), await guess('nobody-2', 4), await guess('nobody-3', 5)];
    assert.deepEqual(madeUp, ['AUTH_FAILED', 'AUTH_FAILED', 'ALERT busy'], 'made-up names share one bucket of 2');
    assert.equal(await guess('alice', 6), 'ALERT busy', 'alice\'s bucket was not forgotten and refilled by the made-up names');
    assert.equal(limiter.stats().trackedAccounts, 2, 'the limiter tracks alice and the shared bucket');
  } finally {
    await l.close();
  }
});
