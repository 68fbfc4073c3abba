/** `securechat relay use`: its usage errors (exact exit codes and sentences) and the file it writes (0600). */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, run, tempDir, writeUsers } from '../cli/_harness.js';

after(cleanup);

test('relay use: refuses without a key, an address or a local user; writes relay-use.json 0600 from --relay or the users file', { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  const home = join(dir, 'home');
  const key = 'ab'.repeat(32);
  const noKey = await run(['relay', 'use', '--as', 'alice', '--relay', '127.0.0.1:7400'], { home });
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /--relay-key HEX/);
  const noUser = await run(['relay', 'use', '--as', 'alice', '--relay', '127.0.0.1:7400', '--relay-key', key], { home });
  assert.equal(noUser.code, 2);
  assert.match(noUser.stderr, /alice is not a user of .* yet/);
  await mkdir(join(home, 'users', 'alice'), { recursive: true, mode: 0o700 });
  const noAddr = await run(['relay', 'use', '--as', 'alice', '--relay-key', key], { home });
  assert.equal(noAddr.code, 2);
  assert.match(noAddr.stderr, /--relay HOST:PORT, or a "relay" field/);
  const users = join(dir, 'users.json');
  await writeUsers(dir, [{ username: 'alice', port: 9000 }]);
  const withField = JSON.parse(await readFile(users, 'utf8')) as Record<string, unknown>[];
  (withField[0] ?? {})['relay'] = '127.0.0.1:7411';
  await import('node:fs/promises').then((f) => f.writeFile(users, JSON.stringify(withField)));
  const ok = await run(['relay', 'use', '--as', 'alice', '--users', users, '--relay-key', key], { home });
  assert.equal(ok.code, 0, ok.stderr);
  const path = join(home, 'users', 'alice', 'relay-use.json');
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { host: '127.0.0.1', port: 7411, key });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const bogus = await run(['relay', 'bogus'], { home });
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /unknown `relay bogus`/);
});
