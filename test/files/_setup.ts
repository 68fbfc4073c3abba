/** Two homes, alice and bob, made contacts by one password login; bob listens (built CLI, real TCP on 127.0.0.1). */
import { join } from 'node:path';
import { freePort, run, startListener, tempDir, writeUsers, type Proc } from '../cli/_harness.js';
import assert from 'node:assert/strict';

export interface Pair {
  readonly dir: string;
  readonly homeA: string;
  readonly homeB: string;
  readonly withPw: string;
  readonly noPw: string;
  bob: Proc;
}

export async function contacts(): Promise<Pair> {
  const dir = await tempDir();
  const homeA = join(dir, 'home-alice');
  const homeB = join(dir, 'home-bob');
  const bobPort = await freePort();
  const withPw = await writeUsers(dir, [{ username: 'alice', port: await freePort() }, { username: 'bob', password: 'pw-bob', port: bobPort }]);
  const noPw = await writeUsers(dir, [{ username: 'alice', port: 1 }, { username: 'bob', port: bobPort }], 'users-nopw.json');
  const bob = await startListener(['--as', 'bob', '--users', withPw], { home: homeB });
  const first = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', 'hello'], { home: homeA, input: 'pw-bob\n' });
  assert.equal(first.code, 0, first.stderr);
  await bob.waitFor(/alice: hello$/m, 'stdout');
  return { dir, homeA, homeB, withPw, noPw, bob };
}
