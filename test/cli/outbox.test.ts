/**
 * The outbox end to end, with the built CLI over real TCP on 127.0.0.1, alice and bob in two
 * homes (two agents). Alice is bob's contact already (one password login). Then bob's agent is
 * down while alice sends 10 messages: each `send` says "queued" and exits 9; alice's agent is
 * killed with SIGKILL once in between (after the 5th). Bob starts listening: all 10 arrive once
 * each, in order (bob's screen and bob's log), and alice sees the 10 receipts (`outbox --wait`
 * shows each delivery and ends when the outbox is empty). Every wait is for an event, bounded.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { agentPids } from './_agents.js';
import { cleanup, freePort, jsonLines, run, start, startListener, tempDir, writeUsers } from './_harness.js';
import { waitUntil, within } from '../_util/wait.js';

after(cleanup);

const N = 10;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('outbox: messages to an offline contact wait, survive kill -9, and arrive once, in order', () => {
  it(`alice sends ${N} while bob's agent is down (kill -9 of alice's agent in between); bob starts; all arrive once, in order; alice sees the receipts`, { timeout: 600_000 }, async () => {
    const dir = await tempDir();
    const homeA = join(dir, 'home-alice');
    const homeB = join(dir, 'home-bob');
    const bobPort = await freePort();
    const withPw = await writeUsers(dir, [{ username: 'alice', port: await freePort() }, { username: 'bob', password: 'pw-bob', port: bobPort }]);
    const noPw = await writeUsers(dir, [{ username: 'alice', port: 1 }, { username: 'bob', port: bobPort }], 'users-nopw.json');

    // One password login makes them contacts.
    let bob = await startListener(['--as', 'bob', '--users', withPw], { home: homeB });
    const first = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', 'hello, with the password'], { home: homeA, input: 'pw-bob\n' });
    assert.equal(first.code, 0, first.stderr);
    await bob.waitFor(/alice: hello, with the password$/m, 'stdout');

    // Bob's agent goes down.
    bob.kill('SIGINT');
    await bob.exited;
    const stopped = await run(['agent', 'stop'], { home: homeB });
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual(agentPids(homeB).filter(alive), [], 'bob has no agent');

    for (let k = 1; k <= N; k++) {
      const r = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', `offline ${k}`], { home: homeA, input: '' });
      assert.equal(r.code, 9, `send ${k}: ${r.stderr}`);
      assert.match(r.stderr, /queued for bob/, `send ${k}`);
      assert.doesNotMatch(r.stderr, /password/i, `send ${k} asked for a password`);
      if (k === N / 2) {
        const pids = agentPids(homeA).filter(alive);
        assert.equal(pids.length, 1, 'alice has one agent');
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        await waitUntil(() => pids.every((p) => !alive(p)), `alice's agent (pid ${pids.join()}) to die of SIGKILL`);
      }
    }

    // Everything waits, in order, in alice's (restarted) agent.
    const listed = await run(['outbox', '--as', 'alice', '--users', noPw, '--json'], { home: homeA });
    assert.equal(listed.code, 0, listed.stderr);
    const waiting = jsonLines(listed.stdout).filter((l) => l['event'] === 'outbox-message');
    assert.equal(waiting.length, N, listed.stdout);
    const ids = waiting.map((l) => String(l['messageId']));
    assert.equal(new Set(ids).size, N);

    // Alice watches her outbox; then bob starts.
    const watch = start(['outbox', '--as', 'alice', '--users', noPw, '--wait', '--json'], { home: homeA, maxMs: 400_000 });
    await watch.waitFor(/"outbox-message"/, 'stdout');
    bob = await startListener(['--as', 'bob', '--users', withPw], { home: homeB, maxMs: 400_000 });
    const watched = await within(watch.exited, `alice's outbox to empty (her agent retries with backoff)`, 360_000);
    assert.equal(watched.code, 0, watched.stderr);
    const receipts = jsonLines(watched.stdout).filter((l) => l['event'] === 'delivered').map((l) => String(l['messageId']));
    assert.deepEqual(receipts, ids, 'alice saw one receipt per message, in order');
    assert.ok(jsonLines(watched.stdout).some((l) => l['event'] === 'outbox-empty'));

    // Bob saw each once, in order.
    await bob.waitFor(new RegExp(`alice: offline ${N}$`, 'm'), 'stdout');
    const shown = [...bob.stdout.matchAll(/alice: offline (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(shown, Array.from({ length: N }, (_, i) => i + 1), bob.stdout);

    // ...and logged each once.
    const log = await run(['log', 'show', '--as', 'bob', '--json'], { home: homeB });
    const texts = log.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e['kind'] === 'message-received').map((e) => String(e['text']));
    assert.deepEqual(texts.filter((t) => t.startsWith('offline ')), Array.from({ length: N }, (_, i) => `offline ${i + 1}`), log.stdout);

    const empty = await run(['outbox', '--as', 'alice', '--users', noPw, '--json'], { home: homeA });
    assert.deepEqual(jsonLines(empty.stdout).map((l) => l['event']), ['outbox-empty']);
    bob.kill('SIGINT');
    await bob.exited;
  });
});
