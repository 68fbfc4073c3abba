/** Two homes, alice and bob, made contacts by one password login; bob listens (built CLI, real TCP on 127.0.0.1). */
import { join } from 'node:path';
import { freePort, run, startListener, tempDir, writeUsers, type Proc } from '../cli/_harness.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

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

/** A sparse file of `size` bytes with a few hashes written into it. */
export async function sparse(path: string, size: number): Promise<void> {
  const h = await open(path, 'w');
  await h.truncate(size);
  for (const at of [0, size / 2 + 12_345, size - 100]) await h.write(createHash('sha256').update(String(at)).digest(), 0, 32, at);
  await h.close();
}

export function fileSha(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

