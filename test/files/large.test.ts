/**
 * A large sparse file (256 MiB) over the live conversation (docs/FILES.md §6), built CLI, two
 * agents, TCP on 127.0.0.1: a chat message sent while it moves arrives before the transfer
 * ends (chunks interleave with texts), the SHA-256 matches, and both agents' peak RSS stays
 * within a loose bound far below the file size (printed).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, jsonLines, run, start } from '../cli/_harness.js';
import { killAgents } from '../cli/_agents.js';
import { within } from '../_util/wait.js';
import { contacts, fileSha, sparse, type Pair } from './_setup.js';

const SIZE = 256 * 1024 * 1024;
let pair: Pair | undefined;
after(async () => {
  pair?.bob.kill('SIGINT');
  if (pair !== undefined) killAgents(pair.dir);
  await cleanup();
});

async function agentRss(home: string, as: string): Promise<{ rss: number; peakRss: number }> {
  const r = await run(['files', '--as', as, '--json'], { home });
  const e = jsonLines(r.stdout).find((l) => l['event'] === 'files-agent');
  assert.ok(e !== undefined, r.stdout + r.stderr);
  return { rss: Number(e['rss']), peakRss: Number(e['peakRss']) };
}

describe('send-file: a large file', () => {
  it('256 MiB sparse: a chat message overtakes it, the hash matches, memory stays bounded', { timeout: 600_000 }, async () => {
    pair = await contacts();
    const { dir, homeA, homeB, noPw, bob } = pair;
    const src = join(dir, 'big.img');
    await sparse(src, SIZE);
    const into = join(dir, 'in');
    await mkdir(into);
    const before = { alice: await agentRss(homeA, 'alice'), bob: await agentRss(homeB, 'bob') };

    const recv = start(['files', 'receive', '--as', 'bob', '--accept-from', 'alice', '--into', into, '--json'], { home: homeB, maxMs: 500_000 });
    await recv.waitFor(/"file-waiting"/, 'stdout');
    const send = start(['send-file', '--users', noPw, '--as', 'alice', '--to', 'bob', '--json', src], { home: homeA, maxMs: 500_000 });
    await recv.waitFor(/"file-progress"[^\n]*"bytes":[1-9]/, 'stdout', 120_000);
    const chat = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', 'typed during the transfer'], { home: homeA });
    assert.equal(chat.code, 0, chat.stderr);
    await bob.waitFor(/alice: typed during the transfer$/m, 'stdout', 120_000);
    const endedBeforeChat = /"file-end"/.test(recv.stdout);
    const sent = await within(send.exited, 'send-file to end', 500_000);
    assert.equal(sent.code, 0, sent.stderr + sent.stdout);
    const got = await within(recv.exited, 'files receive to end', 120_000);
    assert.equal(got.code, 0, got.stderr + got.stdout);
    assert.equal(endedBeforeChat, false, 'the chat message (and its receipt) arrived while the file was still moving');
    assert.equal(await fileSha(join(into, 'big.img')), await fileSha(src));

    const after_ = { alice: await agentRss(homeA, 'alice'), bob: await agentRss(homeB, 'bob') };
    const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
    console.log(`# 256 MiB file: alice's agent RSS ${mib(before.alice.rss)} MiB before, peak ${mib(after_.alice.peakRss)} MiB; bob's ${mib(before.bob.rss)} MiB before, peak ${mib(after_.bob.peakRss)} MiB`);
    // Loose: the growth is a small multiple of the chunk (plus V8's slack), never the file.
    for (const who of ['alice', 'bob'] as const) assert.ok(after_[who].peakRss - before[who].rss < 96 * 1024 * 1024, `${who}'s agent grew by ${mib(after_[who].peakRss - before[who].rss)} MiB for a ${mib(SIZE)} MiB file`);
  });
});
