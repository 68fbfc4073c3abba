/**
 * ATTACK FINDING R4 (attack2, /work/attack2/FINDINGS.md), LOW: `securechat relay --store
 * sqlite:PATH` creates the database with the process umask (0644 here) wherever PATH is; only
 * the default HOME/relay/ directory is made 0700. Every local user can then read the store:
 * all queue, log and box ids, the table that links each queue's reader id to its sender id
 * (docs/SECURITY.md: only the relay's own table links them), public keys, sizes, arrival
 * times, and the ciphertexts.
 *
 * Expected (fails on the current code): the database file (and its -wal/-shm) is 0600,
 * like the relay's key file.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, freePort, tempDir } from '../cli/_harness.js';
import { startCliRelay } from '../relay/_cli-relay.js';

after(cleanup);

test('ATTACK R4: a SQLite store at --store sqlite:PATH is not readable by other users', { timeout: 180_000 }, async () => {
  const home = await tempDir();
  const dir = await tempDir();
  await chmod(dir, 0o755); // an ordinary directory of the operator's
  const relay = await startCliRelay(home, ['--port', String(await freePort()), '--store', `sqlite:${join(dir, 'relay.db')}`]);
  try {
    const c = await relay.connect();
    await c.createQueue(); // something in the store (and its WAL)
    await c.close();
    for (const name of await readdir(dir)) {
      const mode = (await stat(join(dir, name))).mode & 0o777;
      assert.equal(mode & 0o077, 0, `${name} is mode ${mode.toString(8)}: readable by other local users`);
    }
  } finally {
    await relay.kill9();
  }
});
