/**
 * Issue 10, F2 (outside attack): made-up account names must not reset a drained account's
 * guessing budget. Before the fix each name got a bucket of its own in the limiter's LRU, and
 * enough of them pushed the listener's own account's drained bucket out: it came back full.
 * Real logins over TCP from 127.0.0.2 against a listener whose limiter tracks 2 accounts and
 * gives 2 guesses each; the listener charges every name, its own and made-up ones alike, to one
 * bucket (docs/PROTOCOL.md §4.8: nothing may tell whether the account exists).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { FailureLimiter } from '../../src/transport/limiter.js';
import { party } from '../chat/_fixture.js';

const wrong = (i: number): Uint8Array => new TextEncoder().encode(`guess ${i}`);

type Guess = (account: string, i: number) => Promise<string>;

async function withListener(limiter: FailureLimiter, body: (guess: Guess) => Promise<void>): Promise<void> {
  const alice = await party('alice');
  const mallory = await party('mallory');
  const l = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, limiter, onConversation: (c) => c.on('message', () => undefined) });
  const guess: Guess = async (account, i) => {
    try {
      await (await connect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.2', busyRetries: 0, account, password: wrong(i), self: mallory.self, policy: mallory.policy })).close();
      return 'OK';
    } catch (e) {
      const x = e as { code?: string; alert?: string };
      return x.code === 'PEER_ALERT' ? `ALERT ${x.alert ?? ''}` : x.code ?? 'unknown';
    }
  };
  try {
    await body(guess);
  } finally {
    await l.close();
  }
}

test('F2: guesses for made-up account names neither reset the listener\'s drained budget nor get one of their own', { timeout: 120_000 }, async () => {
  const limiter = new FailureLimiter({ accountBurst: 2, maxKeys: 2, perAddress: 100 });
  await withListener(limiter, async (guess) => {
    assert.deepEqual([await guess('alice', 0), await guess('alice', 1)], ['AUTH_FAILED', 'AUTH_FAILED'], 'alice\'s two guesses are evaluated');
    assert.equal(await guess('alice', 2), 'ALERT busy', 'then her bucket is empty');
    const madeUp = [await guess('nobody-1', 3), await guess('nobody-2', 4), await guess('nobody-3', 5)];
    assert.deepEqual(madeUp, ['ALERT busy', 'ALERT busy', 'ALERT busy'], 'made-up names draw on the same, empty bucket');
    assert.equal(await guess('alice', 6), 'ALERT busy', 'alice\'s bucket was not forgotten and refilled by the made-up names');
    assert.equal(limiter.stats().trackedAccounts, 1, 'the limiter tracks one bucket for the listener');
  });
});

// The reviewer's oracle (issue 10 review): with the real name on a bucket of its own, once the
// made-up names' shared bucket was empty a made-up name was answered busy at once and the real
// name AUTH_FAILED, which told the attacker the account's name. Now every bucket state gives a
// made-up name and the real name the same answer, whichever kind of name drained it.
for (const drainWith of ['made-up names', 'the real name'] as const) {
  test(`F2: a made-up name and the real name get the same answer in every bucket state (drained with ${drainWith})`, { timeout: 120_000 }, async () => {
    const limiter = new FailureLimiter({ accountBurst: 4, maxKeys: 100, perAddress: 100 });
    await withListener(limiter, async (guess) => {
      let i = 0;
      const drain = (): Promise<string> => guess(drainWith === 'the real name' ? 'alice' : `junk-${i}`, i++);
      // Full (4 tokens), then 2 left: the real name and a made-up one, each evaluated.
      assert.deepEqual([await guess('alice', i++), await guess('nobody', i++)], ['AUTH_FAILED', 'AUTH_FAILED'], 'full bucket');
      // 2 left → drain 1 → 1 left: whichever name comes first takes the last token.
      assert.equal(await drain(), 'AUTH_FAILED', 'draining');
      const last = await guess(i % 2 === 0 ? 'alice' : 'carol', i++);
      assert.equal(last, 'AUTH_FAILED', 'the last token');
      // Empty: every name is busy alike.
      const probes: string[] = [];
      for (const name of ['bob', 'carol', 'alice', 'dave', 'alice']) probes.push(await guess(name, i++));
      assert.deepEqual(probes, ['ALERT busy', 'ALERT busy', 'ALERT busy', 'ALERT busy', 'ALERT busy'], 'empty bucket: the same answer for every name');
    });
  });
}
