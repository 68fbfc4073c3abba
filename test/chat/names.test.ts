/**
 * Finding 6 of issue 10: names. Anyone with a listener's password can claim any name inbound;
 * only an outbound login proves one. The listener refuses its own name; a claimed-only pin
 * never makes a later outbound login to the real holder fail; a proven pin binds both ways.
 * Uses the real file-backed policy (known_peers.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, type Listener } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { KnownPeersPolicy } from '../../src/app/policy.js';
import { loadKnownPeers } from '../../src/identity/index.js';
import type { PeerPolicy } from '../../src/chat/types.js';
import { party, type Party } from './_fixture.js';
import { waitUntilAsync } from '../_util/wait.js';

async function code(p: Promise<{ close(): Promise<void> }>): Promise<string> {
  try {
    await (await p).close();
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? 'unknown';
  }
}

async function listener(p: Party, policy: PeerPolicy, events: string[] = []): Promise<Listener> {
  return listen({
    port: 0, account: p.account, self: p.self, policy, onConversation: () => undefined,
    onEvent: (e) => {
      if (e.type === 'handshake-failed') events.push(e.error.code);
    },
  });
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('a peer claiming the listener\'s own name is refused (IDENTITY_MISMATCH), nothing is pinned', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'securechat-names-'));
  const bob = await party('bob');
  const fakeBob = await party('bob'); // another key, same name, and it knows bob's password
  const events: string[] = [];
  const l = await listener(bob, await KnownPeersPolicy.load(dir, undefined), events);
  try {
    assert.notEqual(await code(connect({ host: '127.0.0.1', port: l.port, account: 'bob', password: bob.password, self: fakeBob.self, policy: fakeBob.policy })), 'OK');
    assert.deepEqual(events, ['IDENTITY_MISMATCH']);
    assert.equal((await loadKnownPeers(dir)).peers.size, 0);
  } finally {
    await l.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  }
});

test('an impostor\'s inbound "alice" does not make bob\'s later outbound login to the real alice fail; the proof replaces the claim', { timeout: 60_000 }, async () => {
  const dirBob = await mkdtemp(join(tmpdir(), 'securechat-names-'));
  const alice = await party('alice');
  const bob = await party('bob');
  const impostor = await party('alice');
  const bobPolicy = await KnownPeersPolicy.load(dirBob, undefined);
  const lb = await listener(bob, bobPolicy);
  const la = await listener(alice, alice.policy);
  try {
    // The impostor knows bob's password and claims "alice".
    assert.equal(await code(connect({ host: '127.0.0.1', port: lb.port, account: 'bob', password: bob.password, self: impostor.self, policy: impostor.policy })), 'OK');
    await waitUntilAsync(async () => (await loadKnownPeers(dirBob)).peers.has('alice'), 'bob\'s listener to pin the claimed "alice"');
    const claimed = (await loadKnownPeers(dirBob)).peers.get('alice');
    assert.equal(claimed?.claimed, true);
    assert.equal(hex(claimed.key), hex(impostor.self.publicKey));
    // bob logs into the real alice's account: the proof wins.
    const out = await KnownPeersPolicy.load(dirBob, undefined);
    assert.equal(await code(connect({ host: '127.0.0.1', port: la.port, account: 'alice', password: alice.password, self: bob.self, policy: out })), 'OK');
    const proven = (await loadKnownPeers(dirBob)).peers.get('alice');
    assert.equal(hex(proven?.key ?? new Uint8Array()), hex(alice.self.publicKey));
    assert.equal(proven?.claimed, undefined);
    assert.deepEqual(proven?.previousKeys.map((k) => hex(k.key)), [hex(impostor.self.publicKey)]);
    // Now the impostor's claim is refused.
    const again = await KnownPeersPolicy.load(dirBob, undefined);
    const lb2 = await listener(bob, again);
    try {
      assert.notEqual(await code(connect({ host: '127.0.0.1', port: lb2.port, account: 'bob', password: bob.password, self: impostor.self, policy: impostor.policy })), 'OK');
      assert.equal(again.check({ name: 'alice', identityKey: impostor.self.publicKey }, 'inbound') instanceof Error, true);
    } finally {
      await again.settle();
      await lb2.close();
    }
  } finally {
    await lb.close();
    await la.close();
    await rm(dirBob, { recursive: true, force: true, maxRetries: 10 });
  }
});

test('a proven pin is a hard stop for an outbound login with another key (PEER_KEY_CHANGED), as before', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'securechat-names-'));
  const alice = await party('alice');
  const bob = await party('bob');
  const otherAlice = { ...alice, self: (await party('alice')).self };
  const la = await listener(alice, alice.policy);
  const lo = await listener(otherAlice, alice.policy);
  try {
    assert.equal(await code(connect({ host: '127.0.0.1', port: la.port, account: 'alice', password: alice.password, self: bob.self, policy: await KnownPeersPolicy.load(dir, undefined) })), 'OK');
    assert.equal(await code(connect({ host: '127.0.0.1', port: lo.port, account: 'alice', password: alice.password, self: bob.self, policy: await KnownPeersPolicy.load(dir, undefined) })), 'PEER_KEY_CHANGED');
  } finally {
    await la.close();
    await lo.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  }
});
