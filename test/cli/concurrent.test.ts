/**
 * 50 `send` processes of one user (one home) at once to one listener: one shared agent, every
 * message delivered exactly once, every sender exit 0 (v1 refused 49 of them: the log was in
 * use). And several users of one home sending at once through the same agent.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanup, freePort, run, startListener, tempDir, writeUsers } from './_harness.js';

after(cleanup);

const SENDS = 50;

it(`${SENDS} concurrent sends of one user to one listener: each message exactly once, all exit 0`, { timeout: 300_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const home = join(dir, 'home');
  const bob = await startListener(['--as', 'bob', '--users', users], { home: join(dir, 'bobhome') });
  const results = await Promise.all(
    // 50 node processes start at once on a small shared machine: each may wait its turn for a CPU
    // well past the usual child bound, so this bound is wider (it decides nothing by itself).
    Array.from({ length: SENDS }, (_, i) => run(['send', '--users', users, '--as', 'alice', '--to', 'bob', '--message', `message number ${i}`], { home, input: 'pw-bob\n', maxMs: 240_000 })),
  );
  results.forEach((r, i) => {
    assert.equal(r.code, 0, `send ${i}: ${r.stderr}`);
    assert.match(r.stderr, /delivered #\d+ to bob/, `send ${i}`);
    assert.doesNotMatch(r.stderr, /in use/);
  });
  for (let i = 0; i < SENDS; i++) await bob.waitFor(new RegExp(`alice: message number ${i}$`, 'm'), 'stdout');
  bob.kill('SIGINT');
  const b = await bob.exited;
  const lines = b.stdout.split('\n').filter((l) => / alice: message number /.test(l));
  assert.equal(lines.length, SENDS, 'no message shown twice');
  for (let i = 0; i < SENDS; i++) assert.equal(lines.filter((l) => l.endsWith(`alice: message number ${i}`)).length, 1);
  const stop = await run(['agent', 'stop'], { home });
  assert.equal(stop.code, 0, stop.stderr);
  const log = await run(['log', 'show', '--as', 'alice', '--users', users], { home });
  assert.equal(log.code, 0, log.stderr);
  assert.equal(log.stdout.split('\n').filter((l) => / -> bob: message number /.test(l)).length, SENDS, 'each logged exactly once on the sending side');
});

it('three users of one home sending at once share the one agent', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const home = join(dir, 'home');
  const bob = await startListener(['--as', 'bob', '--users', users], { home: join(dir, 'bobhome') });
  const names = ['ann', 'cid', 'dee'];
  const results = await Promise.all(names.map((n) => run(['send', '--users', users, '--as', n, '--to', 'bob', '--message', `from ${n}`], { home, input: 'pw-bob\n' })));
  results.forEach((r, i) => assert.equal(r.code, 0, `${names[i] ?? ''}: ${r.stderr}`));
  for (const n of names) await bob.waitFor(new RegExp(`${n}: from ${n}$`, 'm'), 'stdout');
  bob.kill('SIGINT');
  await bob.exited;
});
