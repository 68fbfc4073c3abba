/** 50 senders at once to one listener: every message delivered exactly once, every sender exit 0. */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanup, freePort, run, startListener, tempDir, writeUsers } from './_harness.js';

after(cleanup);

const SENDERS = 50;

it(`${SENDERS} concurrent senders to one listener: each message exactly once`, { timeout: 240_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const home = join(dir, 'home');
  const bob = await startListener(['--as', 'bob', '--users', users], { home });
  const results = await Promise.all(
    Array.from({ length: SENDERS }, (_, i) =>
      run(['send', '--users', users, '--as', `sender${i}`, '--to', 'bob', '--message', `message number ${i} from sender${i}`], { home, input: 'pw-bob\n' }),
    ),
  );
  results.forEach((r, i) => assert.equal(r.code, 0, `sender${i}: ${r.stderr}`));
  for (let i = 0; i < SENDERS; i++) await bob.waitFor(new RegExp(`sender${i}: message number ${i} from sender${i}$`, 'm'), 'stdout');
  bob.kill('SIGINT');
  const b = await bob.exited;
  const lines = b.stdout.split('\n').filter((l) => / sender\d+: message number /.test(l));
  assert.equal(lines.length, SENDERS, 'no message shown twice');
  for (let i = 0; i < SENDERS; i++) assert.equal(lines.filter((l) => l.endsWith(`sender${i}: message number ${i} from sender${i}`)).length, 1);
  const log = await run(['log', 'show', '--as', 'bob', '--users', users], { home });
  assert.equal(log.code, 0, log.stderr);
  assert.equal(log.stdout.split('\n').filter((l) => / <- sender\d+: message number /.test(l)).length, SENDERS, 'each logged exactly once');
});
