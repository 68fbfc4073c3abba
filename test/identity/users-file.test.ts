import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fromUtf8 } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { checkUsers, entryPassword, findUser, findUserByAddress, findUserByPort, validateUsers, type UsersFile } from '../../src/identity/users-file.js';
import { addUser, loadUsersFile, removeUser, stripPasswords } from '../../src/identity/users-file-io.js';
import { rejectsWith, throwsWith, tmpDir } from './_tmp.js';

const S = 'users file u.json';
const ok = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ username: 'alice', password: 'pw', ip: '127.0.0.1', port: 5001, ...over });

/** The exact message validateUsers gives for `value`. */
function problem(value: unknown): string {
  try {
    validateUsers(value, S);
  } catch (e) {
    assert.ok(isSecureChatError(e));
    assert.equal(e.code, 'USERS_FILE_INVALID');
    return e.detail;
  }
  assert.fail('expected USERS_FILE_INVALID');
}

test('each validation error names the entry and the field', () => {
  const cases: [unknown, string][] = [
    [{}, `${S} must hold a JSON array of users like [{"username": "alice", "ip": "127.0.0.1", "port": 5001}], not an object`],
    ['x', `${S} must hold a JSON array of users like [{"username": "alice", "ip": "127.0.0.1", "port": 5001}], not a string`],
    [null, `${S} must hold a JSON array of users like [{"username": "alice", "ip": "127.0.0.1", "port": 5001}], not null`],
    [[ok(), 7], `${S}: entry 2 must be an object with "username", "ip" and "port", not a number`],
    [[[]], `${S}: entry 1 must be an object with "username", "ip" and "port", not an array`],
    [[{ ip: '127.0.0.1', port: 1 }], `${S}: entry 1: "username" is missing`],
    [[ok({ username: 5 })], `${S}: entry 1: "username" must be a string, not a number`],
    [[ok({ username: '' })], `${S}: entry 1 (""): "username" is empty`],
    [[ok({ username: 'bo b' })], `${S}: entry 1 ("bo b"): "username" is not a valid username (use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-')`],
    [[ok({ username: '../etc' })], `${S}: entry 1 ("../etc"): "username" is not a valid username (use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-')`],
    [[ok({ username: 'émile' })], `${S}: entry 1 ("émile"): "username" is not a valid username (use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-')`],
    [[ok({ username: 'a'.repeat(65) })], `${S}: entry 1 ("${'a'.repeat(65)}"): "username" is longer than 64 bytes`],
    [[ok({ ip: undefined })], `${S}: entry 1 ("alice"): "ip" is missing`],
    [[ok({ ip: ['127.0.0.1'] })], `${S}: entry 1 ("alice"): "ip" must be a string, not an array`],
    [[ok({ ip: '999.1.1.1' })], `${S}: entry 1 ("alice"): "ip" is not an IPv4 address, IPv6 address or host name ("999.1.1.1")`],
    [[ok({ ip: '[::1]' })], `${S}: entry 1 ("alice"): "ip" is not an IPv4 address, IPv6 address or host name ("[::1]")`],
    [[ok({ ip: 'bad_host' })], `${S}: entry 1 ("alice"): "ip" is not an IPv4 address, IPv6 address or host name ("bad_host")`],
    [[ok({ ip: '' })], `${S}: entry 1 ("alice"): "ip" is not an IPv4 address, IPv6 address or host name ("")`],
    [[ok({ port: undefined })], `${S}: entry 1 ("alice"): "port" is missing`],
    [[ok({ port: '5001' })], `${S}: entry 1 ("alice"): "port" must be a number, not a string`],
    [[ok({ port: 0 })], `${S}: entry 1 ("alice"): "port" must be an integer from 1 to 65535, not 0`],
    [[ok({ port: 65536 })], `${S}: entry 1 ("alice"): "port" must be an integer from 1 to 65535, not 65536`],
    [[ok({ port: 50.5 })], `${S}: entry 1 ("alice"): "port" must be an integer from 1 to 65535, not 50.5`],
    [[ok({ password: 1234 })], `${S}: entry 1 ("alice"): "password" must be a string, not a number`],
    [[ok({ password: '' })], `${S}: entry 1 ("alice"): "password" is empty (remove the field once the user is registered)`],
    [[ok({ fingerprint: 'abc' })], `${S}: entry 1 ("alice"): "fingerprint" must be 64 hexadecimal digits (spaces and colons allowed)`],
    [[ok({ fingerprint: null })], `${S}: entry 1 ("alice"): "fingerprint" must be a string, not null`],
    [[ok(), ok({ port: 5002 })], `${S}: entry 2 ("alice"): the username "alice" is already used by entry 1`],
    [[ok(), ok({ username: 'Alice', port: 5002 })], `${S}: entry 2 ("Alice"): the username "Alice" is already used by entry 1 ("alice"; names that differ only in case are the same)`],
    [[ok(), ok({ username: 'bob' })], `${S}: entry 2 ("bob"): the address 127.0.0.1:5001 is already used by entry 1 ("alice")`],
    [[ok({ ip: '::1' }), ok({ username: 'bob', ip: '0:0:0:0:0:0:0:1' })], `${S}: entry 2 ("bob"): the address [0:0:0:0:0:0:0:1]:5001 is already used by entry 1 ("alice")`],
    [[ok({ ip: 'LocalHost' }), ok({ username: 'bob', ip: 'localhost' })], `${S}: entry 2 ("bob"): the address localhost:5001 is already used by entry 1 ("alice")`],
    [[ok({ port: 0, ip: 'x y' })], `${S}: entry 1 ("alice"): "ip" is not an IPv4 address, IPv6 address or host name ("x y") (and 1 more problem)`],
    [[1, 2, 3], `${S}: entry 1 must be an object with "username", "ip" and "port", not a number (and 2 more problems)`],
  ];
  for (const [value, message] of cases) assert.equal(problem(value), message);
});

test('valid entries: the original format, extra fields, IPv6 and host names; passwords kept off the entry', () => {
  const fp = 'ab'.repeat(32);
  const { users, warnings } = validateUsers(
    [
      ok(),
      { username: 'bob', ip: '::1', port: 5002, fingerprint: fp.toUpperCase().replace(/(.{4})/g, '$1 ').trim(), note: 'laptop' },
      { username: 'carol.x_y-z', password: 'p', ip: 'carol.example.org', port: 65535 },
      { username: 'dave', ip: '127.0.0.1', port: 5002 }, // same port, other address: allowed
    ],
    S,
  );
  assert.deepEqual(users.map((u) => [u.entry, u.username, u.ip, u.port, u.hasPassword, u.fingerprint]), [
    [1, 'alice', '127.0.0.1', 5001, true, undefined],
    [2, 'bob', '::1', 5002, false, fp],
    [3, 'carol.x_y-z', 'carol.example.org', 65535, true, undefined],
    [4, 'dave', '127.0.0.1', 5002, false, undefined],
  ]);
  assert.ok(!JSON.stringify(users).includes('"pw"'), 'an entry must not carry its password');
  assert.equal(fromUtf8(entryPassword(users[0]!)!), 'pw');
  assert.equal(entryPassword(users[1]!), undefined);
  assert.deepEqual(warnings, [
    `${S} holds plaintext passwords (alice, carol.x_y-z); after \`securechat init --user NAME\` for each, run \`securechat users --strip-passwords\` to remove them`,
  ]);
  assert.deepEqual(validateUsers([], S), { users: [], warnings: [] });
});

test('look-ups: by name, by port, by address; unknown users are typed errors', () => {
  const { users } = validateUsers([ok(), ok({ username: 'bob', port: 5002 }), ok({ username: 'carol', ip: '10.0.0.2', port: 5002 })], S);
  const file: UsersFile = { path: 'u.json', users, warnings: [] };
  assert.equal(findUser(file, 'bob').port, 5002);
  assert.equal(findUser(file, 'BOB').username, 'bob');
  throwsWith(() => findUser(file, 'dave'), 'UNKNOWN_USER', 'unknown user "dave": not in the users file u.json (it lists alice, bob, carol)');
  assert.equal(findUserByPort(file, 5001).username, 'alice');
  assert.equal(findUserByPort(file, 5002, '10.0.0.2').username, 'carol');
  throwsWith(() => findUserByPort(file, 5002), 'USAGE', 'several users in u.json use port 5002 (bob on 127.0.0.1, carol on 10.0.0.2); give the IP address too');
  throwsWith(() => findUserByPort(file, 6000), 'UNKNOWN_USER', 'no user in the users file u.json has port 6000 (it lists alice, bob, carol)');
  throwsWith(() => findUserByPort(file, 5001, '10.0.0.2'), 'UNKNOWN_USER', 'has address 10.0.0.2:5001');
  assert.equal(findUserByAddress(file, '127.0.0.1', 5002)?.username, 'bob');
  assert.equal(findUserByAddress(file, '127.0.0.1', 5009), undefined);
  throwsWith(() => findUser({ path: 'e.json', users: [], warnings: [] }, 'x'), 'UNKNOWN_USER', '(it lists nobody)');
});

test('property: any JSON value gives entries or USERS_FILE_INVALID, never another exception', () => {
  const entryish = fc.record(
    {
      username: fc.oneof(fc.stringMatching(/^[a-z]{1,3}$/), fc.jsonValue()),
      ip: fc.oneof(fc.constantFrom('127.0.0.1', '::1', 'host', '1.2.3'), fc.jsonValue()),
      port: fc.oneof(fc.integer({ min: -2, max: 70000 }), fc.jsonValue()),
      password: fc.jsonValue(),
      fingerprint: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  const value = fc.oneof(fc.jsonValue(), fc.array(fc.oneof(entryish, fc.jsonValue()), { maxLength: 6 }));
  fc.assert(
    fc.property(value, (v) => {
      try {
        const r = validateUsers(v, S);
        assert.ok(Array.isArray(v));
        assert.equal(r.users.length, v.length);
      } catch (e) {
        assert.ok(isSecureChatError(e) && e.code === 'USERS_FILE_INVALID', String(e));
        assert.ok(checkUsers(v, S).problems.length > 0);
      }
    }),
    { numRuns: 500 },
  );
});

test('loadUsersFile: the shipped example, missing file, bad JSON with line and column (password not quoted)', async () => {
  const example = await loadUsersFile(new URL('../../../examples/users.json', import.meta.url).pathname);
  assert.deepEqual(example.users.map((u) => `${u.username}@${u.ip}:${u.port}`), ['alice@127.0.0.1:5001', 'bob@127.0.0.1:5002', 'carol@127.0.0.1:5003']);
  assert.equal(example.warnings.length, 1);

  const d = tmpDir();
  const p = join(d, 'users.json');
  await rejectsWith(() => loadUsersFile(p), 'CONFIG', `the users file ${p} does not exist`);
  writeFileSync(p, '[\n  {"username": "alice", "password": "s3cret" "ip": "127.0.0.1", "port": 5001}\n]');
  await rejectsWith(() => loadUsersFile(p), 'USERS_FILE_INVALID', `users file ${p} is not valid JSON at line 2, column 46: expected ',' or '}' after property value`);
  writeFileSync(p, '[{"username": s3cret}]');
  await rejectsWith(() => loadUsersFile(p), 'USERS_FILE_INVALID', `users file ${p} is not valid JSON at line 1, column 15: unexpected character 's'`);
  await assert.rejects(() => loadUsersFile(p), (e: Error) => !e.message.includes('s3cret'));
  writeFileSync(p, '{"users": []}');
  await rejectsWith(() => loadUsersFile(p), 'USERS_FILE_INVALID', `users file ${p} must hold a JSON array`);
});

test('addUser, removeUser, stripPasswords rewrite atomically and keep everything else', async () => {
  const d = tmpDir();
  const p = join(d, 'users.json');
  await addUser(p, { username: 'alice', ip: '127.0.0.1', port: 5001 });
  assert.equal(statSync(p).mode & 0o777, 0o600);
  writeFileSync(p, JSON.stringify([ok({ extra: { keep: [1, 2] } }), ok({ username: 'bob', port: 5002, password: 'pw2' })]));
  chmodSync(p, 0o644);
  await addUser(p, { username: 'carol', ip: 'carol.lan', port: 5003, fingerprint: 'AB'.repeat(32) });
  assert.equal(statSync(p).mode & 0o777, 0o644, 'a rewrite keeps the file mode');
  await rejectsWith(() => addUser(p, { username: 'bob', ip: '127.0.0.1', port: 5009 }), 'USERS_FILE_INVALID', 'entry 4 ("bob"): the username "bob" is already used by entry 2');
  await rejectsWith(() => addUser(p, { username: 'dan', ip: '127.0.0.1', port: 5001 }), 'USERS_FILE_INVALID', 'the address 127.0.0.1:5001 is already used by entry 1 ("alice")');
  await rejectsWith(() => addUser(p, { username: 'dan', ip: '127.0.0.1', port: 0 }), 'USERS_FILE_INVALID', '"port" must be an integer');

  const r = await stripPasswords(p, ['alice', 'carol']);
  assert.deepEqual(r.stripped, ['alice']);
  const after = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>[];
  assert.deepEqual(after, [
    { username: 'alice', ip: '127.0.0.1', port: 5001, extra: { keep: [1, 2] } },
    { username: 'bob', password: 'pw2', ip: '127.0.0.1', port: 5002 },
    { username: 'carol', ip: 'carol.lan', port: 5003, fingerprint: 'ab'.repeat(32) },
  ]);
  assert.deepEqual((await stripPasswords(p, ['alice'])).stripped, []);

  await rejectsWith(() => removeUser(p, 'zed'), 'UNKNOWN_USER', 'unknown user "zed"');
  await removeUser(p, 'bob');
  assert.deepEqual((await loadUsersFile(p)).users.map((u) => u.username), ['alice', 'carol']);
  assert.deepEqual((await loadUsersFile(p)).warnings, []);
});

test('an invalid users file is reported and never rewritten', async () => {
  const d = tmpDir();
  const p = join(d, 'users.json');
  for (const text of ['[{"username": "alice",', JSON.stringify([ok(), ok()])]) {
    writeFileSync(p, text);
    await rejectsWith(() => addUser(p, { username: 'bob', ip: '127.0.0.1', port: 5002 }), 'USERS_FILE_INVALID');
    await rejectsWith(() => stripPasswords(p, ['alice']), 'USERS_FILE_INVALID');
    await rejectsWith(() => removeUser(p, 'alice'), 'USERS_FILE_INVALID');
    assert.equal(readFileSync(p, 'utf8'), text);
  }
});
