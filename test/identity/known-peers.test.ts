import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { ensureUserDir } from '../../src/identity/home.js';
import { keyFingerprint } from '../../src/identity/fingerprint.js';
import { checkPeer, decodeKnownPeers, encodeKnownPeers, listPeers, EMPTY_KNOWN_PEERS } from '../../src/identity/known-peers.js';
import { forgetPeer, loadKnownPeers, markVerified, pinPeer, trustNewKey } from '../../src/identity/known-peers-file.js';
import { modeOf, rejectsWith, tmpDir } from './_tmp.js';

const K1 = new Uint8Array(32).fill(1);
const K2 = new Uint8Array(32).fill(2);
const K3 = new Uint8Array(32).fill(3);
const T0 = Date.UTC(2025, 0, 1);

test('TOFU: new → pinned → changed (hard stop) → trust → pinned → verified', async () => {
  const home = tmpDir();
  const { dir, knownPeers } = await ensureUserDir(home, 'alice');
  let k = await loadKnownPeers(dir);
  assert.equal(checkPeer(k, 'bob', K1), 'new');

  k = await pinPeer(dir, 'bob', K1, T0);
  assert.equal(modeOf(knownPeers), 0o600);
  assert.equal(checkPeer(k, 'bob', K1), 'pinned');
  assert.equal(checkPeer(await loadKnownPeers(dir), 'bob', K1), 'pinned');

  k = await pinPeer(dir, 'bob', K1, T0 + 1000);
  assert.equal(k.peers.get('bob')?.lastSeen, T0 + 1000);
  assert.equal(k.peers.get('bob')?.firstSeen, T0);

  assert.deepEqual(checkPeer(k, 'bob', K2), { changed: { oldFingerprint: keyFingerprint(K1), newFingerprint: keyFingerprint(K2) } });
  await rejectsWith(() => pinPeer(dir, 'bob', K2, T0 + 2000), 'PEER_KEY_CHANGED', '"bob"', 'securechat trust bob', 'securechat verify bob');
  k = await loadKnownPeers(dir);
  assert.equal(checkPeer(k, 'bob', K1), 'pinned', 'a changed key must not replace the pinned one');
  assert.deepEqual(k.peers.get('bob')?.pendingKey?.key, K2);
  // still a hard stop on the next contact
  await rejectsWith(() => pinPeer(dir, 'bob', K2, T0 + 2500), 'PEER_KEY_CHANGED');

  k = await trustNewKey(dir, 'bob', undefined, T0 + 3000); // accepts the pending key
  assert.equal(checkPeer(k, 'bob', K2), 'pinned');
  const rec = k.peers.get('bob');
  assert.equal(rec?.pendingKey, undefined);
  assert.equal(rec?.previousKeys.length, 1);
  assert.deepEqual(rec?.previousKeys[0], { key: K1, firstSeen: T0, replaced: T0 + 3000 });
  assert.deepEqual(checkPeer(k, 'bob', K1), { changed: { oldFingerprint: keyFingerprint(K2), newFingerprint: keyFingerprint(K1) } });

  k = await markVerified(dir, 'bob', K2);
  assert.equal(checkPeer(k, 'bob', K2), 'verified');
  assert.equal(checkPeer(await loadKnownPeers(dir), 'bob', K2), 'verified');

  // trusting yet another key clears "verified"
  k = await trustNewKey(dir, 'bob', K3, T0 + 4000);
  assert.equal(checkPeer(k, 'bob', K3), 'pinned');
  assert.equal(k.peers.get('bob')?.previousKeys.length, 2);
});

test('markVerified, trustNewKey and forgetPeer refuse what does not apply', async () => {
  const home = tmpDir();
  const { dir } = await ensureUserDir(home, 'alice');
  await rejectsWith(() => markVerified(dir, 'bob'), 'UNKNOWN_USER', '"bob"');
  await rejectsWith(() => trustNewKey(dir, 'bob'), 'UNKNOWN_USER', '"bob"');
  await rejectsWith(() => forgetPeer(dir, 'bob'), 'UNKNOWN_USER', '"bob"');
  await pinPeer(dir, 'bob', K1, T0);
  await rejectsWith(() => markVerified(dir, 'bob', K2), 'PEER_KEY_CHANGED');
  await rejectsWith(() => trustNewKey(dir, 'bob'), 'UNKNOWN_USER', 'no new key');
  const k = await trustNewKey(dir, 'bob', K1); // the pinned key: no change
  assert.equal(k.peers.get('bob')?.previousKeys.length, 0);
  assert.equal(checkPeer(await forgetPeer(dir, 'bob'), 'bob', K1), 'new');
});

test('known peers are per local user', async () => {
  const home = tmpDir();
  const a = await ensureUserDir(home, 'alice');
  const b = await ensureUserDir(home, 'bob');
  await pinPeer(a.dir, 'carol', K1);
  assert.equal(checkPeer(await loadKnownPeers(b.dir), 'carol', K1), 'new');
});

test('concurrent pins from one process are all kept', async () => {
  const home = tmpDir();
  const { dir } = await ensureUserDir(home, 'alice');
  const names = Array.from({ length: 25 }, (_, i) => `peer${i}`);
  await Promise.all(names.map((n, i) => pinPeer(dir, n, new Uint8Array(32).fill(i))));
  assert.deepEqual(listPeers(await loadKnownPeers(dir)).map((p) => p.name), [...names].sort());
});

test('a damaged known_peers.json is a STORAGE_ERROR and is never overwritten', async () => {
  const home = tmpDir();
  const { dir, knownPeers } = await ensureUserDir(home, 'alice');
  await pinPeer(dir, 'bob', K1, T0);
  const doc = JSON.parse(readFileSync(knownPeers, 'utf8')) as { peers: { bob: Record<string, unknown> } };
  const cases: [string, string][] = [
    ['{"version":1,"peers":{', 'is not valid JSON'],
    [JSON.stringify({ version: 2, peers: {} }), 'not a version 1'],
    [JSON.stringify({ version: 1, peers: [] }), 'field "peers" is not a JSON object'],
    [JSON.stringify({ version: 1, peers: { '../x': doc.peers.bob } }), 'peer "../x" is not a valid username'],
    [JSON.stringify({ version: 1, peers: { bob: { ...doc.peers.bob, key: 'AAAA' } } }), 'peer "bob": field "key" is not 32 bytes'],
    [JSON.stringify({ version: 1, peers: { bob: { ...doc.peers.bob, verified: 'yes' } } }), 'peer "bob": field "verified" is not a boolean'],
    [JSON.stringify({ version: 1, peers: { bob: { ...doc.peers.bob, lastSeen: 5 } } }), 'peer "bob": field "lastSeen" is not a date'],
    [JSON.stringify({ version: 1, peers: { bob: { ...doc.peers.bob, previousKeys: [1] } } }), 'peer "bob": previous key 0 is not a JSON object'],
  ];
  for (const [text, why] of cases) {
    writeFileSync(knownPeers, text);
    await rejectsWith(() => loadKnownPeers(dir), 'STORAGE_ERROR', knownPeers, why);
    await rejectsWith(() => pinPeer(dir, 'carol', K2), 'STORAGE_ERROR', knownPeers);
    await rejectsWith(() => trustNewKey(dir, 'bob', K2), 'STORAGE_ERROR', knownPeers);
    assert.equal(readFileSync(knownPeers, 'utf8'), text);
  }
});

test('encoding round trip, and the decoder gives a result or an Error for any JSON value', () => {
  const rec = { name: 'bob', key: K1, firstSeen: T0, lastSeen: T0 + 5, verified: true, previousKeys: [{ key: K2, firstSeen: 1, replaced: 2 }], pendingKey: { key: K3, seen: 9 } };
  const k = { peers: new Map([['bob', rec]]) };
  const back = decodeKnownPeers(JSON.parse(JSON.stringify(encodeKnownPeers(k))));
  assert.deepEqual(back.peers.get('bob'), rec);
  assert.deepEqual(decodeKnownPeers(encodeKnownPeers(EMPTY_KNOWN_PEERS)).peers.size, 0);
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      try {
        decodeKnownPeers({ version: 1, peers: { bob: v } });
        decodeKnownPeers(v);
      } catch (e) {
        assert.ok(e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError), String(e));
      }
    }),
  );
});
