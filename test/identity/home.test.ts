import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureUserDir, findUsersFile, listLocalUsers, resolveHome, userPaths } from '../../src/identity/home.js';
import { modeOf, rejectsWith, throwsWith, tmpDir } from './_tmp.js';

test('resolveHome: --home, then SECURECHAT_HOME, then ~/.securechat', () => {
  assert.equal(resolveHome({ home: '/a/b', env: { SECURECHAT_HOME: '/c' }, osHome: '/h' }), '/a/b');
  assert.equal(resolveHome({ env: { SECURECHAT_HOME: '/c' }, osHome: '/h' }), '/c');
  assert.equal(resolveHome({ env: { SECURECHAT_HOME: '' }, osHome: '/h' }), '/h/.securechat');
  assert.equal(resolveHome({ env: {}, osHome: '/h' }), '/h/.securechat');
  assert.equal(resolveHome({ home: 'rel', env: {} }), join(process.cwd(), 'rel'));
  throwsWith(() => resolveHome({ home: '' }), 'USAGE', '--home needs a directory');
});

test('one home holds several users, each in its own 0700 directory; names cannot escape', async () => {
  const home = tmpDir();
  const a = await ensureUserDir(home, 'alice');
  const b = await ensureUserDir(home, 'bob');
  assert.equal(a.dir, join(home, 'users', 'alice'));
  assert.equal(b.identity, join(home, 'users', 'bob', 'identity.json'));
  for (const d of [home, join(home, 'users'), a.dir, b.dir]) assert.equal(modeOf(d), 0o700, d);
  assert.deepEqual(await listLocalUsers(home), ['alice', 'bob']);
  for (const bad of ['..', '.', '../x', 'a/b', '', '-rf', '.hidden', 'a\0b']) throwsWith(() => userPaths(home, bad), 'USAGE', 'is not valid');
});

test('findUsersFile: --users, then ./users.json, then <home>/users.json', async () => {
  const root = tmpDir();
  const cwd = join(root, 'cwd');
  const home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(home);
  await rejectsWith(() => findUsersFile({ cwd, home }), 'CONFIG', `looked for ${join(cwd, 'users.json')} and ${join(home, 'users.json')}`, 'pass --users FILE');
  writeFileSync(join(home, 'users.json'), '[]');
  assert.equal(await findUsersFile({ cwd, home }), join(home, 'users.json'));
  writeFileSync(join(cwd, 'users.json'), '[]');
  assert.equal(await findUsersFile({ cwd, home }), join(cwd, 'users.json'));
  writeFileSync(join(cwd, 'other.json'), '[]');
  assert.equal(await findUsersFile({ explicit: 'other.json', cwd, home }), join(cwd, 'other.json'));
  await rejectsWith(() => findUsersFile({ explicit: 'nope.json', cwd, home }), 'CONFIG', `the users file ${join(cwd, 'nope.json')} does not exist`);
});
