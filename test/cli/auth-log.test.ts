/**
 * A failed login against a listener is written to the listener's log (issue 4): a wrong
 * password makes the connecting side abort with ALERT handshake_failed after ServerHello,
 * which the listener counts (docs/PROTOCOL.md §4.8) and logs as `auth-failed`.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanup, freePort, jsonLines, run, startListener, tempDir, writeUsers } from './_harness.js';

after(cleanup);

it('a wrong password is logged as a failed authentication in the listener\'s log', async () => {
  const dir = await tempDir();
  const users = await writeUsers(dir, [
    { username: 'alice', password: 'pw-alice', port: await freePort() },
    { username: 'bob', password: 'pw-bob', port: await freePort() },
  ]);
  const home = join(dir, 'home');
  const bob = await startListener(['--as', 'bob', '--users', users], { home });
  const r = await run(['send', '--users', users, '--as', 'alice', '--to', 'bob', '--message', 'x'], { home, input: 'not-the-password\n' });
  assert.equal(r.code, 3, r.stderr);
  await bob.waitFor(/failed: wrong password/);
  bob.kill('SIGINT');
  await bob.exited;
  const shown = await run(['log', 'show', '--json', '--as', 'bob', '--users', users], { home });
  assert.equal(shown.code, 0, shown.stderr);
  const kinds = jsonLines(shown.stdout).filter((e) => e['event'] === 'log-entry').map((e) => e['kind']);
  assert.deepEqual(kinds, ['auth-failed']);
});
