/**
 * End-to-end over real TCP on 127.0.0.1: two parties complete the handshake and exchange
 * messages both ways with receipts, in every suite, including across in-band rekeys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { ALL_SUITE_IDS, SUITE_NAMES } from '../../src/crypto/aead.js';
import type { Conversation } from '../../src/chat/conversation.js';
import { party } from './_fixture.js';
import { waitUntil } from '../_util/wait.js';

function collect(c: Conversation): string[] {
  const got: string[] = [];
  c.on('message', (m) => {
    got.push(m.text);
  });
  return got;
}

for (const suite of ALL_SUITE_IDS) {
  test(`conversation in ${SUITE_NAMES[suite]}: both directions, receipts, rekeys, clean close`, async () => {
    const alice = await party('alice');
    const bob = await party('bob');
    let resolveIncoming: (c: Conversation) => void;
    const incoming = new Promise<Conversation>((r) => (resolveIncoming = r));
    let rekeys = 0;
    const l = await listen({
      port: 0, account: alice.account, self: alice.self, policy: alice.policy, suites: [suite],
      session: { rekeyAfterRecords: 5 },
      onConversation: (c) => resolveIncoming(c),
    });
    try {
      const bobSide = await connect({
        host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy,
        suites: [suite], session: { rekeyAfterRecords: 5 },
      });
      const fromAlice = collect(bobSide);
      bobSide.on('rekey', () => rekeys++);
      const aliceSide = await incoming;
      const fromBob = collect(aliceSide);
      assert.equal(aliceSide.info.peer.name, 'bob');
      assert.equal(aliceSide.info.peerState, 'new');
      assert.equal(bobSide.info.peer.name, 'alice');
      assert.equal(bobSide.info.suite, suite);
      assert.deepEqual(aliceSide.info.sessionId, bobSide.info.sessionId);

      const N = 23;
      for (let i = 0; i < N; i++) {
        // Both directions at once, then wait for both receipts: rekeys interleave with traffic.
        await Promise.all([bobSide.waitReceipt(bobSide.send(`b${i} ✓`)), aliceSide.waitReceipt(aliceSide.send(`a${i}`))]);
      }
      assert.deepEqual(fromBob, Array.from({ length: N }, (_, i) => `b${i} ✓`));
      assert.deepEqual(fromAlice, Array.from({ length: N }, (_, i) => `a${i}`));
      assert.ok(rekeys >= 2, `expected rekeys, saw ${rekeys}`);

      const closed = new Promise<string>((r) => aliceSide.on('closed', (reason) => r(reason)));
      await bobSide.close();
      assert.equal(await closed, 'peer');
      assert.equal(bobSide.closedWith?.reason, 'local');
    } finally {
      await l.close();
    }
  });
}

test('a connection cut without an authenticated close is reported as TRUNCATED', async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  let resolveIncoming: (c: Conversation) => void;
  const incoming = new Promise<Conversation>((r) => (resolveIncoming = r));
  const l = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, onConversation: (c) => resolveIncoming(c) });
  try {
    const bobSide = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
    const aliceSide = await incoming;
    const closed = new Promise<{ reason: string; code: string | undefined }>((r) => aliceSide.on('closed', (reason, e) => r({ reason, code: e?.code })));
    await bobSide.waitReceipt(bobSide.send('hello'));
    bobSide.destroy();
    const c = await closed;
    assert.equal(c.reason, 'error');
    assert.equal(c.code, 'TRUNCATED');
  } finally {
    await l.close();
  }
});

test('wrong password: AUTH_FAILED for the connecting side, one failed attempt counted by the listener', async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  const events: string[] = [];
  const l = await listen({
    port: 0, account: alice.account, self: alice.self, policy: alice.policy, onConversation: () => assert.fail('no conversation expected'),
    onEvent: (e) => events.push(e.type === 'handshake-failed' ? `${e.type}:${e.error.code}:${String(e.counted)}` : e.type),
  });
  try {
    await assert.rejects(
      connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: new TextEncoder().encode('nope'), self: bob.self, policy: bob.policy }),
      (e: { code?: string }) => e.code === 'AUTH_FAILED',
    );
    await waitUntil(() => l.stats().failuresCounted >= 1, 'the listener to count the failed attempt');
    assert.equal(l.stats().failuresCounted, 1);
    assert.equal(l.stats().sessions, 0);
  } finally {
    await l.close();
  }
});

test('a changed identity key for a pinned peer is refused on both sides', async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  const l = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, onConversation: (c) => void c.close() });
  try {
    const c1 = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
    await c1.close();
    // An impostor "bob" with another identity key (but who knows alice's password).
    const impostor = await party('bob');
    await assert.rejects(
      connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: impostor.self, policy: impostor.policy }),
      (e: { code?: string }) => e.code === 'PEER_ALERT',
    );
    // And bob refuses an "alice" whose key changed.
    bob.policy.pins.set('alice', '00'.repeat(32));
    await assert.rejects(
      connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy }),
      (e: { code?: string }) => e.code === 'PEER_KEY_CHANGED',
    );
  } finally {
    await l.close();
  }
});

test('an initiator refusing the listener key after ServerFinish fails only that conversation (PEER_ALERT)', async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  const closedWith: (string | undefined)[] = [];
  const l = await listen({
    port: 0, account: alice.account, self: alice.self, policy: alice.policy,
    onConversation: (c) => c.on('closed', (_r, e) => closedWith.push(e?.code)),
  });
  try {
    bob.policy.pins.set('alice', '00'.repeat(32));
    await assert.rejects(
      connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy }),
      (e: { code?: string }) => e.code === 'PEER_KEY_CHANGED',
    );
    await waitUntil(() => closedWith.length > 0, 'the conversation to report its close');
    assert.deepEqual(closedWith, ['PEER_ALERT']);
    // The listener is still serving.
    bob.policy.pins.clear();
    const c = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
    await c.close();
  } finally {
    await l.close();
  }
});
