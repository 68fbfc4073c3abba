/**
 * Finding 7 of issue 10: the listener's key-stretching parameters are pinned at the first
 * successful login; a ServerHello asking for more (what a man in the middle can do to every
 * attempt) is refused with KSF_PARAMS_REFUSED before any Argon2id work, unless the user
 * consents; the pin lives in listener_ksf.json beside known_peers.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { createServerSetup, KSF_TEST, registerLocally, type KsfParams } from '../../src/crypto/opaque.js';
import { KnownPeersPolicy } from '../../src/app/policy.js';
import { party, type Party } from './_fixture.js';

const HIGHER: KsfParams = { memoryKiB: 256, iterations: 2, parallelism: 1 };

/** alice re-registered with other parameters (a new record, same identity). */
function reRegistered(alice: Party, ksf: KsfParams): Party['account'] {
  const serverSetup = createServerSetup();
  return { name: 'alice', serverSetup, record: registerLocally(serverSetup, 'alice', alice.password, ksf), ksf };
}

test('pinned at the first login; more is refused without consent, accepted with it, and the pin follows', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'securechat-ksf-'));
  const alice = await party('alice');
  const bob = await party('bob');
  const policy = await KnownPeersPolicy.load(dir, undefined);
  const a1 = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, onConversation: () => undefined });
  try {
    const c = await connect({ host: '127.0.0.1', port: a1.port, account: 'alice', password: alice.password, self: bob.self, policy });
    await c.close();
    assert.deepEqual(policy.ksfPin('alice'), KSF_TEST);
    const file = JSON.parse(await readFile(join(dir, 'listener_ksf.json'), 'utf8')) as unknown;
    assert.deepEqual(file, { version: 1, pins: { alice: KSF_TEST } });
  } finally {
    await a1.close();
  }
  const a2 = await listen({ port: 0, account: reRegistered(alice, HIGHER), self: alice.self, policy: alice.policy, onConversation: () => undefined });
  try {
    const fresh = await KnownPeersPolicy.load(dir, undefined);
    await assert.rejects(
      connect({ host: '127.0.0.1', port: a2.port, account: 'alice', password: alice.password, self: bob.self, policy: fresh }),
      (e: { code?: string }) => e.code === 'KSF_PARAMS_REFUSED',
    );
    assert.deepEqual(fresh.ksfPin('alice'), KSF_TEST, 'a refused attempt changes no pin');
    const c = await connect({ host: '127.0.0.1', port: a2.port, account: 'alice', password: alice.password, self: bob.self, policy: fresh, acceptKsfIncrease: true });
    await c.close();
    assert.deepEqual(fresh.ksfPin('alice'), HIGHER, 'after a consented, successful login the pin follows');
    assert.deepEqual(((await KnownPeersPolicy.load(dir, undefined)).ksfPin('alice')), HIGHER);
  } finally {
    await a2.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a lower cost is accepted without asking (it only makes our side cheaper) and becomes the pin', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'securechat-ksf-'));
  const alice = await party('alice');
  const bob = await party('bob');
  const policy = await KnownPeersPolicy.load(dir, undefined);
  await policy.commitKsf('alice', HIGHER);
  const l = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, onConversation: () => undefined });
  try {
    const c = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy });
    await c.close();
    assert.deepEqual(policy.ksfPin('alice'), KSF_TEST);
  } finally {
    await l.close();
    await rm(dir, { recursive: true, force: true });
  }
});
