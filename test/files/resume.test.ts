/**
 * Resume (docs/FILES.md §5.3), built CLI, two agents, TCP on 127.0.0.1, a 128 MiB sparse file:
 * kill -9 of the sender's agent mid-way, then of the receiver's; each time the transfer
 * continues from what the receiver had stored (never from 0), only the missing chunks move,
 * and the SHA-256 matches.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, jsonLines, run, start, startListener, type Proc } from '../cli/_harness.js';
import { agentPids, killAgents } from '../cli/_agents.js';
import { waitUntil, waitUntilAsync, within } from '../_util/wait.js';
import { contacts, fileSha, sparse, type Pair } from './_setup.js';

const SIZE = 128 * 1024 * 1024;
const CHUNKS = SIZE / (256 * 1024);
let pair: Pair | undefined;
after(async () => {
  pair?.bob.kill('SIGINT');
  if (pair !== undefined) killAgents(pair.dir);
  await cleanup();
});

/** The highest `bytes` of the progress events in `out`. */
function progressed(out: string): number {
  return Math.max(0, ...jsonLines(out).filter((e) => e['event'] === 'file-progress').map((e) => Number(e['bytes'])));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function kill9(home: string, who: string): Promise<void> {
  const pids = agentPids(home).filter(alive);
  assert.equal(pids.length, 1, `${who} has one agent`);
  for (const p of pids) process.kill(p, 'SIGKILL');
  await waitUntil(() => pids.every((p) => !alive(p)), `${who}'s agent to die of SIGKILL`);
}

async function halfway(p: Proc, what: string): Promise<number> {
  await waitUntil(() => progressed(p.stdout) >= SIZE / 2, `${what} to pass 50 %`, { maxMs: 300_000 });
  return progressed(p.stdout);
}

describe('send-file: resume after kill -9', () => {
  it('the sender\'s agent killed at 50 %, then restarted: only the missing chunks move; the hash matches', { timeout: 600_000 }, async () => {
    pair = await contacts();
    const { dir, homeA, homeB, noPw } = pair;
    const src = join(dir, 'a.img');
    await sparse(src, SIZE);
    const into = join(dir, 'in-a');
    await mkdir(into);
    const recv = start(['files', 'receive', '--as', 'bob', '--accept-from', 'alice', '--into', into, '--json'], { home: homeB, maxMs: 550_000 });
    await recv.waitFor(/"file-waiting"/, 'stdout');
    const send = start(['send-file', '--users', noPw, '--as', 'alice', '--to', 'bob', '--json', src], { home: homeA, maxMs: 550_000 });
    const stored = await halfway(recv, 'bob\'s received bytes');
    await kill9(homeA, 'alice');
    await send.exited;
    assert.ok(!/"file-end"/.test(recv.stdout), 'the transfer had not ended at the kill');
    // Any command starts alice's agent again; it resumes the transfer by itself.
    const list = await run(['files', '--as', 'alice', '--json'], { home: homeA });
    assert.equal(list.code, 0, list.stderr);
    const got = await within(recv.exited, 'bob\'s receive to end after the resume', 300_000);
    assert.equal(got.code, 0, got.stderr + got.stdout);
    const events = jsonLines(got.stdout);
    // The last resume is the one after the kill (a loaded machine may also see an earlier one,
    // when a connection drops mid-transfer and the sender offers again).
    const resumed = events.filter((e) => e['event'] === 'file-resumed').at(-1);
    assert.ok(resumed !== undefined, got.stdout);
    assert.ok(Number(resumed['fromBytes']) >= stored, `resumed at ${String(resumed['fromBytes'])} bytes; bob had told ${stored} stored`);
    const end = events.find((e) => e['event'] === 'file-end');
    assert.equal(Number(end?.['chunksLastRun']), CHUNKS - Number(resumed['fromChunk']), 'after the resume only the missing chunks arrived');
    assert.equal(await fileSha(join(into, 'a.img')), await fileSha(src));
  });

  it('the receiver\'s agent killed at 50 %, then restarted: the sender continues from what was stored; the hash matches', { timeout: 600_000 }, async () => {
    assert.ok(pair !== undefined);
    const { dir, homeA, homeB, noPw, withPw } = pair;
    const src = join(dir, 'b.img');
    await sparse(src, SIZE);
    const into = join(dir, 'in-b');
    await mkdir(into);
    const recv = start(['files', 'receive', '--as', 'bob', '--accept-from', 'alice', '--into', into, '--json'], { home: homeB, maxMs: 550_000 });
    await recv.waitFor(/"file-waiting"/, 'stdout');
    const send = start(['send-file', '--users', noPw, '--as', 'alice', '--to', 'bob', '--json', src], { home: homeA, maxMs: 550_000 });
    const stored = await halfway(recv, 'bob\'s received bytes');
    await kill9(homeB, 'bob');
    await recv.exited;
    await pair.bob.exited;
    // Bob listens again (a new agent): alice's agent reconnects (retrying) and offers again.
    pair.bob = await startListener(['--as', 'bob', '--users', withPw], { home: homeB, maxMs: 550_000 });
    const sent = await within(send.exited, 'alice\'s send-file to end after the resume', 400_000);
    assert.equal(sent.code, 0, sent.stderr + sent.stdout);
    const accepts = jsonLines(sent.stdout).filter((e) => e['event'] === 'file-accepted');
    assert.equal(accepts.length, 2, sent.stdout);
    const from = Number(accepts[1]?.['fromBytes']);
    assert.ok(from >= stored && from < SIZE, `resumed at ${from} bytes; bob had told ${stored} stored`);
    const end = jsonLines(sent.stdout).find((e) => e['event'] === 'file-end');
    assert.equal(Number(end?.['chunksLastRun']), CHUNKS - Number(accepts[1]?.['fromChunk']), 'after the resume only the missing chunks were sent');
    await waitUntilAsync(async () => {
      const l = await run(['files', '--as', 'bob', '--json'], { home: homeB });
      return jsonLines(l.stdout).some((e) => e['event'] === 'file-transfer' && e['state'] === 'done' && String(e['into']) === into);
    }, 'bob\'s record to say done');
    assert.equal(await fileSha(join(into, 'b.img')), await fileSha(src));
  });
});
