import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { KSF_TEST, clientStartLogin, clientFinishLogin, serverStartLogin, serverFinishLogin, opaqueReady } from '../../src/crypto/opaque.js';
import { toB64, toB64url, toHex, utf8 } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { ensureUserDir } from '../../src/identity/home.js';
import { hasAccount, loadAccount, registerAccount } from '../../src/identity/account.js';
import { loadOrCreateIdentity } from '../../src/identity/identity-key.js';
import { allFiles, modeOf, rejectsWith, tmpDir } from './_tmp.js';

const PASSWORD = 'correct horse battery staple';

function login(serverSetup: string, account: string, record: Uint8Array, password: string): boolean {
  const c = clientStartLogin(utf8(password));
  const s = serverStartLogin(serverSetup, account, record, c.ke1);
  try {
    const f = clientFinishLogin(c.state, s.ke2, utf8(password), KSF_TEST);
    const serverKey = serverFinishLogin(s.state, f.ke3);
    assert.deepEqual(serverKey, f.sessionKey);
    return true;
  } catch (e) {
    if (isSecureChatError(e) && e.code === 'AUTH_FAILED') return false;
    throw e;
  }
}

test('registerAccount stores server setup, record and KSF params (0600), never the password', async () => {
  await opaqueReady;
  const home = tmpDir();
  const p = await ensureUserDir(home, 'alice');
  await loadOrCreateIdentity(p.dir);
  assert.equal(await hasAccount(p.dir), false);
  await rejectsWith(() => loadAccount(p.dir), 'NOT_INITIALISED', 'securechat init');

  const pw = utf8(PASSWORD);
  const acc = await registerAccount(p.dir, 'alice', pw, KSF_TEST);
  assert.equal(modeOf(p.account), 0o600);
  assert.equal(await hasAccount(p.dir), true);

  const loaded = await loadAccount(p.dir);
  assert.equal(loaded.username, 'alice');
  assert.equal(loaded.serverSetup, acc.serverSetup);
  assert.deepEqual(loaded.record, acc.record);
  assert.deepEqual(loaded.ksf, KSF_TEST);

  // The password appears in no stored file, in any common encoding.
  const forms = [PASSWORD, toHex(pw), toB64(pw), toB64url(pw), Buffer.from(PASSWORD, 'utf16le').toString('latin1')];
  for (const f of allFiles(home)) {
    const text = readFileSync(f, 'latin1');
    for (const form of forms) assert.ok(!text.includes(form), `${f} contains the password`);
  }

  // The stored record works for OPAQUE, with the right password only.
  assert.equal(login(loaded.serverSetup, 'alice', loaded.record, PASSWORD), true);
  assert.equal(login(loaded.serverSetup, 'alice', loaded.record, 'wrong password'), false);
});

test('registerAccount refuses to replace an account unless asked; replace changes the password', async () => {
  const home = tmpDir();
  const p = await ensureUserDir(home, 'bob');
  await registerAccount(p.dir, 'bob', utf8('first'), KSF_TEST);
  await rejectsWith(() => registerAccount(p.dir, 'bob', utf8('second'), KSF_TEST), 'CONFIG', 'is already registered');
  assert.equal(login((await loadAccount(p.dir)).serverSetup, 'bob', (await loadAccount(p.dir)).record, 'first'), true);
  await registerAccount(p.dir, 'bob', utf8('second'), KSF_TEST, { replace: true });
  const acc = await loadAccount(p.dir);
  assert.equal(login(acc.serverSetup, 'bob', acc.record, 'second'), true);
  assert.equal(login(acc.serverSetup, 'bob', acc.record, 'first'), false);
});

test('registerAccount refuses bad input; a damaged account file is a STORAGE_ERROR and is not replaced', async () => {
  const home = tmpDir();
  const p = await ensureUserDir(home, 'carol');
  await rejectsWith(() => registerAccount(p.dir, '../x', utf8('pw'), KSF_TEST), 'USAGE', 'not valid');
  await rejectsWith(() => registerAccount(p.dir, 'carol', new Uint8Array(0), KSF_TEST), 'USAGE', 'empty');
  await registerAccount(p.dir, 'carol', utf8('pw'), KSF_TEST);
  const doc = JSON.parse(readFileSync(p.account, 'utf8')) as Record<string, unknown>;
  const cases: [string, string][] = [
    ['not json', 'is not valid JSON'],
    [JSON.stringify({ ...doc, version: 9 }), 'not a version 1 account'],
    [JSON.stringify({ ...doc, ksf: { memoryKiB: 64, iterations: 0, parallelism: 1 } }), 'field "ksf"'],
    [JSON.stringify({ ...doc, record: 'a b' }), 'field "record"'],
    [JSON.stringify({ ...doc, serverSetup: 7 }), 'field "serverSetup"'],
    [JSON.stringify({ ...doc, username: '' }), 'field "username"'],
  ];
  for (const [text, why] of cases) {
    writeFileSync(p.account, text);
    await rejectsWith(() => loadAccount(p.dir), 'STORAGE_ERROR', p.account, why);
    await rejectsWith(() => registerAccount(p.dir, 'carol', utf8('pw2'), KSF_TEST, { replace: true }), 'STORAGE_ERROR', p.account);
    assert.equal(readFileSync(p.account, 'utf8'), text);
  }
});
