import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { deterministicRandom } from '../../src/crypto/random.js';
import { ed25519PublicFromSeed, ed25519Sign, ed25519Verify } from '../../src/crypto/ecc.js';
import { ensureUserDir } from '../../src/identity/home.js';
import { loadIdentity, loadOrCreateIdentity } from '../../src/identity/identity-key.js';
import { formatFingerprint, keyFingerprint, parseFingerprint } from '../../src/identity/fingerprint.js';
import { modeOf, rejectsWith, tmpDir } from './_tmp.js';

test('identity key: created on first use (0600), then loaded unchanged', async () => {
  const home = tmpDir();
  const p = await ensureUserDir(home, 'alice');
  await rejectsWith(() => loadIdentity(p.dir), 'NOT_INITIALISED', 'securechat init');
  const first = await loadOrCreateIdentity(p.dir, deterministicRandom('alice'), Date.UTC(2025, 0, 1));
  assert.equal(first.created, true);
  assert.equal(modeOf(p.identity), 0o600);
  assert.equal(modeOf(p.dir), 0o700);
  const again = await loadOrCreateIdentity(p.dir, deterministicRandom('other'));
  assert.equal(again.created, false);
  const loaded = await loadIdentity(p.dir);
  for (const k of [again.identity, loaded]) {
    assert.deepEqual(k.seed, first.identity.seed);
    assert.deepEqual(k.publicKey, first.identity.publicKey);
    assert.equal(k.fingerprint, first.identity.fingerprint);
    assert.equal(k.created, Date.UTC(2025, 0, 1));
  }
  assert.deepEqual(loaded.publicKey, ed25519PublicFromSeed(loaded.seed));
  const sig = ed25519Sign(loaded.seed, Uint8Array.of(1, 2, 3));
  assert.ok(ed25519Verify(first.identity.publicKey, Uint8Array.of(1, 2, 3), sig));
});

test('identity key: two concurrent first uses agree on one key', async () => {
  const home = tmpDir();
  const p = await ensureUserDir(home, 'bob');
  const [a, b] = await Promise.all([loadOrCreateIdentity(p.dir, deterministicRandom('a')), loadOrCreateIdentity(p.dir, deterministicRandom('b'))]);
  assert.deepEqual(a.identity.publicKey, b.identity.publicKey);
  assert.equal([a.created, b.created].filter(Boolean).length, 1);
});

test('identity key: a damaged file is a STORAGE_ERROR and is never replaced', async () => {
  const home = tmpDir();
  const p = await ensureUserDir(home, 'carol');
  await loadOrCreateIdentity(p.dir, deterministicRandom('carol'));
  const good = readFileSync(p.identity, 'utf8');
  const doc = JSON.parse(good) as Record<string, unknown>;

  const cases: [string, string | RegExp][] = [
    ['{"version":1', 'is not valid JSON'],
    ['[]', 'it is not a JSON object'],
    [JSON.stringify({ ...doc, version: 2 }), 'not a version 1 Ed25519 identity'],
    [JSON.stringify({ ...doc, seed: 'AAAA' }), 'field "seed" is not 32 bytes'],
    [JSON.stringify({ ...doc, seed: '%%%' }), 'field "seed" is not base64'],
    [JSON.stringify({ ...doc, publicKey: undefined }), 'field "publicKey" is missing'],
    [JSON.stringify({ ...doc, created: 'yesterday' }), 'field "created" is not a date'],
    [JSON.stringify({ ...doc, publicKey: doc['seed'] }), 'does not match its secret key'],
  ];
  for (const [text, why] of cases) {
    writeFileSync(p.identity, text);
    await rejectsWith(() => loadIdentity(p.dir), 'STORAGE_ERROR', p.identity, why);
    await rejectsWith(() => loadOrCreateIdentity(p.dir), 'STORAGE_ERROR', p.identity);
    assert.equal(readFileSync(p.identity, 'utf8'), text, 'damaged file was overwritten');
  }
});

test('fingerprint: hex SHA-256 of the public key, grouped by 4, parsed back leniently', () => {
  const pub = new Uint8Array(32);
  // SHA-256 of 32 zero bytes
  const fp = keyFingerprint(pub);
  assert.equal(fp, '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925');
  const shown = formatFingerprint(fp);
  assert.equal(shown, '6668 7aad f862 bd77 6c8f c18b 8e9f 8e20 0897 1485 6ee2 33b3 902a 591d 0d5f 2925');
  assert.equal(parseFingerprint(shown), fp);
  assert.equal(parseFingerprint(shown.toUpperCase().replace(/ /g, ':')), fp);
  assert.equal(parseFingerprint(fp.slice(1)), undefined);
  assert.equal(parseFingerprint(`${fp.slice(1)}g`), undefined);
});
