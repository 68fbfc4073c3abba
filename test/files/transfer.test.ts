/**
 * send-file end to end (docs/FILES.md), built CLI, two agents, real TCP on 127.0.0.1: files of
 * 0 bytes, 1 byte, exactly one chunk, one chunk + 1 and a nested folder arrive with the same
 * SHA-256; an existing file is never overwritten (a suffix); a declined offer ends the sender
 * with FILE_DECLINED; `files` lists what happened.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, jsonLines, run, start } from '../cli/_harness.js';
import { killAgents } from '../cli/_agents.js';
import { within } from '../_util/wait.js';
import { contacts, type Pair } from './_setup.js';

const CHUNK = 256 * 1024;
let pair: Pair | undefined;
after(async () => {
  pair?.bob.kill('SIGINT');
  if (pair !== undefined) killAgents(pair.dir);
  await cleanup();
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function tree(root: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) for (const [k, v] of await tree(root, r)) out.set(k, v);
    else out.set(r, sha(await readFile(join(root, r))));
  }
  return out;
}

describe('send-file: round trips over the live conversation', () => {
  it('0 B, 1 B, one chunk, chunk+1 and a nested folder arrive verified; nothing is overwritten; a decline ends the sender', { timeout: 300_000 }, async () => {
    pair = await contacts();
    const { dir, homeA, homeB, noPw } = pair;
    const src = join(dir, 'outgoing');
    await mkdir(join(src, 'deep', 'er', 'est'), { recursive: true });
    const files: Record<string, Uint8Array> = {
      'empty.bin': new Uint8Array(0),
      'one.bin': Uint8Array.of(0x2a),
      'chunk.bin': randomBytes(CHUNK),
      'chunk1.bin': randomBytes(CHUNK + 1),
      'deep/er/est/notes.txt': Buffer.from('nested\n'),
      'deep/three-chunks.bin': randomBytes(3 * CHUNK - 7),
    };
    for (const [p, b] of Object.entries(files)) await writeFile(join(src, p), b);
    const into = join(dir, 'received');
    await mkdir(join(into, 'outgoing'), { recursive: true });
    await writeFile(join(into, 'outgoing', 'one.bin'), 'already here'); // must survive

    const recv = start(['files', 'receive', '--as', 'bob', '--accept-from', 'alice', '--into', into, '--json'], { home: homeB, maxMs: 240_000 });
    await recv.waitFor(/"file-waiting"/, 'stdout');
    const send = await run(['send-file', '--users', noPw, '--as', 'alice', '--to', 'bob', '--json', src], { home: homeA });
    assert.equal(send.code, 0, send.stderr + send.stdout);
    const got = await within(recv.exited, 'files receive to end');
    assert.equal(got.code, 0, got.stderr + got.stdout);
    const events = jsonLines(send.stdout);
    assert.ok(events.some((e) => e['event'] === 'file-progress'), 'progress events');
    assert.equal(events.at(-1)?.['event'], 'file-end');

    const have = await tree(join(into, 'outgoing'));
    for (const [p, b] of Object.entries(files)) assert.equal(have.get(p === 'one.bin' ? 'one (1).bin' : p), sha(b), p);
    assert.equal(await readFile(join(into, 'outgoing', 'one.bin'), 'utf8'), 'already here', 'the existing file was not overwritten');
    assert.deepEqual([...have.keys()].filter((k) => k.endsWith('.part')), [], 'no part files left');

    // A second offer, declined by bob.
    const single = join(dir, 'single.txt');
    await writeFile(single, 'decline me');
    const offered = start(['send-file', '--users', noPw, '--as', 'alice', '--to', 'bob', '--json', single], { home: homeA, maxMs: 120_000 });
    await offered.waitFor(/"file-offered"/, 'stdout');
    const id = /"id":"([0-9a-f]{32})"/.exec(offered.stdout)?.[1];
    assert.ok(id !== undefined, offered.stdout);
    const listB = await run(['files', '--as', 'bob', '--json'], { home: homeB });
    assert.ok(jsonLines(listB.stdout).some((e) => e['id'] === id && e['state'] === 'offered'), listB.stdout);
    const dec = await run(['files', 'decline', id.slice(0, 8), '--as', 'bob'], { home: homeB });
    assert.equal(dec.code, 0, dec.stderr);
    const declined = await within(offered.exited, 'send-file to end after the decline');
    assert.equal(declined.code, 2, declined.stderr + declined.stdout);
    assert.match(declined.stdout, /"code":"FILE_DECLINED"/);

    const listA = await run(['files', '--as', 'alice', '--json'], { home: homeA });
    const states = jsonLines(listA.stdout).filter((e) => e['event'] === 'file-transfer').map((e) => e['state']);
    assert.deepEqual(states, ['done', 'declined'], listA.stdout);
  });
});
