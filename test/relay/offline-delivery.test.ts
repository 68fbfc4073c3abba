/**
 * Offline delivery through the relay, end to end with the built CLI over 127.0.0.1 (docs/RELAY.md
 * §10): a relay (`securechat relay`, SQLite) started by the test; alice and bob in two homes
 * name it (`relay use`), meet once directly (their agents exchange MAILBOX offers), then bob's
 * agent is stopped. `send --as alice --to bob` says it is queued at bob's relay; bob starts
 * listening: the message arrives once, alice's outbox sees the receipt (through the relay too),
 * and the relay's store holds no message any more. Every wait is for an event, bounded.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex } from '../../src/crypto/bytes.js';
import { cleanup, freePort, jsonLines, run, start, startListener, tempDir, writeUsers } from '../cli/_harness.js';
import { waitUntilAsync, within } from '../_util/wait.js';
import { startCliRelay } from './_cli-relay.js';

after(cleanup);

async function mailbox(home: string, user: string): Promise<Record<string, Record<string, unknown>>> {
  try {
    return JSON.parse(await readFile(join(home, 'users', user, 'relay-mailbox.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  } catch {
    return {};
  }
}

/** Messages the relay's SQLite store holds (read-only, beside the running relay: WAL). */
async function storedMessages(db: string): Promise<number> {
  type Db = { prepare(sql: string): { get(): unknown }; close(): void };
  const driver: string = 'better-sqlite3'; // an optional dependency without types here (as src/relay/sqlite-store.ts)
  const { default: Database } = (await import(driver)) as { default: new (path: string, o: { readonly: boolean; fileMustExist: boolean }) => Db };
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (d.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
  } finally {
    d.close();
  }
}

describe('offline delivery through the relay', () => {
  it('alice sends to bob while his agent is down: queued at his relay; bob starts: once; alice sees delivered; the relay is empty after the acks', { timeout: 300_000 }, async () => {
    const dir = await tempDir();
    const homeA = join(dir, 'home-alice');
    const homeB = join(dir, 'home-bob');
    const db = join(dir, 'relay.db');
    const relay = await startCliRelay(join(dir, 'home-relay'), ['--port', '0', '--store', `sqlite:${db}`]);
    const bobPort = await freePort();
    const withPw = await writeUsers(dir, [{ username: 'alice', port: await freePort() }, { username: 'bob', password: 'pw-bob', port: bobPort }]);
    const noPw = await writeUsers(dir, [{ username: 'alice', port: 1 }, { username: 'bob', port: bobPort }], 'users-nopw.json');
    const relayArgs = ['--relay', `127.0.0.1:${relay.port}`, '--relay-key', toHex(relay.key)];

    // One password login makes them contacts (and creates both users).
    let bob = await startListener(['--as', 'bob', '--users', withPw], { home: homeB });
    const first = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', 'hello, with the password'], { home: homeA, input: 'pw-bob\n' });
    assert.equal(first.code, 0, first.stderr);
    await bob.waitFor(/alice: hello, with the password$/m, 'stdout');
    bob.kill('SIGINT');
    await bob.exited;

    // Both name the relay; their agents restart and make a spare queue there.
    for (const [home, user] of [[homeA, 'alice'], [homeB, 'bob']] as const) {
      const r = await run(['relay', 'use', '--as', user, ...relayArgs], { home });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await run(['agent', 'stop'], { home })).code, 0);
    }
    bob = await startListener(['--as', 'bob', '--users', withPw], { home: homeB });
    assert.equal((await run(['agent', 'start'], { home: homeA })).code, 0);
    for (const [home, user] of [[homeA, 'alice'], [homeB, 'bob']] as const) {
      await waitUntilAsync(async () => Object.keys((await mailbox(home, user))['queues'] ?? {}).length > 0, `${user}'s agent to make a queue at the relay`);
    }

    // They meet directly: each gives the other its queue (MAILBOX offer).
    const met = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', 'we meet directly'], { home: homeA, input: '' });
    assert.equal(met.code, 0, met.stderr);
    await bob.waitFor(/alice: we meet directly$/m, 'stdout');
    await waitUntilAsync(async () => (await mailbox(homeA, 'alice'))['contacts']?.['bob'] !== undefined, "alice to store bob's mailbox offer");
    await waitUntilAsync(async () => (await mailbox(homeB, 'bob'))['contacts']?.['alice'] !== undefined, "bob to store alice's mailbox offer");

    // Bob's agent goes down.
    bob.kill('SIGINT');
    await bob.exited;
    assert.equal((await run(['agent', 'stop'], { home: homeB })).code, 0);

    const sent = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', 'while you were away'], { home: homeA, input: '' });
    assert.equal(sent.code, 9, sent.stderr);
    assert.match(sent.stderr, /queued for bob \(bob cannot be reached directly; it waits at bob's relay/);
    assert.equal(await storedMessages(db), 1, 'the relay holds the sealed message');
    const listed = jsonLines((await run(['outbox', '--as', 'alice', '--users', noPw, '--json'], { home: homeA })).stdout).filter((l) => l['event'] === 'outbox-message');
    assert.equal(listed.length, 1);
    const id = String(listed[0]?.['messageId']);

    // Alice watches her outbox; bob starts.
    const watch = start(['outbox', '--as', 'alice', '--users', noPw, '--wait', '--json'], { home: homeA, maxMs: 200_000 });
    await watch.waitFor(/"outbox-message"/, 'stdout');
    bob = await startListener(['--as', 'bob', '--users', withPw], { home: homeB });
    await bob.waitFor(/alice: while you were away$/m, 'stdout');
    const watched = await within(watch.exited, "alice's outbox to empty (bob's receipt through the relay)", 120_000);
    assert.equal(watched.code, 0, watched.stderr);
    const delivered = jsonLines(watched.stdout).filter((l) => l['event'] === 'delivered');
    assert.deepEqual(delivered.map((l) => l['messageId']), [id]);
    assert.equal(delivered[0]?.['via'], 'relay');

    // Acknowledged, so deleted: the message and the receipt.
    await waitUntilAsync(async () => (await storedMessages(db)) === 0, 'the relay store to be empty after both acks');

    // Once on bob's screen and in his log, also after his agent restarts (nothing fetched twice).
    bob.kill('SIGINT');
    await bob.exited;
    assert.equal((await run(['agent', 'stop'], { home: homeB })).code, 0);
    bob = await startListener(['--as', 'bob', '--users', withPw], { home: homeB });
    const log = await run(['log', 'show', '--as', 'bob', '--json'], { home: homeB });
    const texts = jsonLines(log.stdout).filter((e) => e['kind'] === 'message-received').map((e) => String(e['text']));
    assert.deepEqual(texts.filter((t) => t === 'while you were away'), ['while you were away'], log.stdout);
    assert.doesNotMatch(bob.stdout, /while you were away/);
    bob.kill('SIGINT');
    await bob.exited;
    await run(['agent', 'stop'], { home: homeA });
    await run(['agent', 'stop'], { home: homeB });
    relay.proc.kill('SIGTERM');
    await relay.proc.exited;
  });
});
