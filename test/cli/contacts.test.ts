/**
 * Contacts end to end over real TCP on 127.0.0.1 with the built CLI: a first password login
 * makes alice and bob contacts; then 100 sends with no password in any file all reconnect by
 * keys (5 `send` processes with stdin closed, 95 through the same agent's socket); `contacts` lists both sides; after `contacts remove alice` on bob's
 * side the next send fails with one clear sentence and exit code 8.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentClient } from '../../src/agent/client.js';
import { listContacts } from '../../src/app/contacts-admin.js';
import { waitUntilAsync } from '../_util/wait.js';
import { cleanup, freePort, jsonLines, run, startListener, tempDir, writeUsers } from './_harness.js';

after(cleanup);

const RECONNECTS = 100;
/** Of those, run as separate `securechat send` processes. */
const CLI_RECONNECTS = 5;

describe('contacts: password once, then reconnects by keys', () => {
  it(`alice logs in once with the password, then ${RECONNECTS} sends with stdin closed all reconnect; contacts remove refuses the next`, { timeout: 1_200_000 }, async () => {
    const dir = await tempDir();
    const home = join(dir, 'home');
    const port = await freePort();
    const alicePort = await freePort();
    const withPw = await writeUsers(dir, [{ username: 'alice', port: alicePort }, { username: 'bob', password: 'pw-bob', port }]);
    const noPw = await writeUsers(dir, [{ username: 'alice', port: alicePort }, { username: 'bob', port }], 'users-nopw.json');
    const bob = await startListener(['--as', 'bob', '--users', withPw], { home, maxMs: 20 * 60_000 });

    const first = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', 'first, with the password'], { home, input: 'pw-bob\n' });
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /reconnect by keys/);

    // The first few as a person runs them (the built CLI, stdin closed); the rest through the same
    // agent's socket, as `send` talks to it, without a process start each (that was the cost:
    // 100 processes came near the per-file limit on a loaded machine). Each is its own
    // conversation, reconnected by keys: the contact secret moves on 100 times.
    for (let k = 1; k <= CLI_RECONNECTS; k++) {
      const r = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', `reconnect ${k}`], { home, input: '' });
      assert.equal(r.code, 0, `reconnect ${k}: ${r.stderr}`);
      assert.match(r.stderr, /reconnect by keys/, `reconnect ${k}`);
      assert.doesNotMatch(r.stderr, /password/i, `reconnect ${k} asked for or mentioned a password`);
    }
    const agent = await AgentClient.tryConnect(home);
    assert.ok(agent !== undefined, 'alice\'s agent answers');
    try {
      for (let k = CLI_RECONNECTS + 1; k <= RECONNECTS; k++) {
        const said: string[] = [];
        const r = (await agent.call('send', { as: 'alice', to: { account: 'bob', host: '127.0.0.1', port }, text: `reconnect ${k}` }, (p) => said.push(typeof p['text'] === 'string' ? p['text'] : ''))) as Record<string, unknown>;
        assert.equal(r['delivered'], true, `reconnect ${k}: ${JSON.stringify(r)}`);
        assert.match(said.join('\n'), /reconnect by keys/, `reconnect ${k}`);
        assert.doesNotMatch(said.join('\n'), /password/i, `reconnect ${k} asked for or mentioned a password`);
        // As between two commands a person runs: the reconnect's new contact secret is stored
        // before the next one starts (back to back, a save could land after the next read: 98 of 100).
        await waitUntilAsync(async () => (await listContacts(join(home, 'users', 'alice')))[0]?.reconnects === k, `the contact secret of reconnect ${k} to be stored`);
      }
    } finally {
      agent.close();
    }
    await bob.waitFor(new RegExp(`alice: reconnect ${RECONNECTS}$`, 'm'), 'stdout');

    const listed = await run(['contacts', '--as', 'alice', '--users', noPw, '--json'], { home });
    const lines = jsonLines(listed.stdout);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.['name'], 'bob');
    assert.equal(lines[0]?.['reconnects'], RECONNECTS);
    const bobs = jsonLines((await run(['contacts', '--as', 'bob', '--users', noPw, '--json'], { home })).stdout);
    assert.equal(bobs[0]?.['name'], 'alice');

    // the per-contact secrets are only in the two 0600 contacts files, never the users file
    const file = JSON.parse(await readFile(join(home, 'users', 'alice', 'contacts.json'), 'utf8')) as { contacts: { out: { current: { secret: string } } }[] };
    const secret = file.contacts[0]?.out.current.secret ?? '';
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.doesNotMatch(await readFile(noPw, 'utf8'), new RegExp(secret));

    const removed = await run(['contacts', 'remove', 'alice', '--as', 'bob', '--users', noPw], { home });
    assert.equal(removed.code, 0, removed.stderr);
    const refused = await run(['send', '--users', noPw, '--as', 'alice', '--to', 'bob', '--message', 'after removal'], { home, input: '' });
    assert.equal(refused.code, 8, refused.stderr);
    assert.match(refused.stderr, /bob no longer accepts reconnects from you \(you are not on their contacts list\); to log in with their password again, first run `securechat contacts remove bob`/);
    assert.equal(refused.stderr.match(/error:/g)?.length, 1, 'one sentence');
    bob.kill('SIGINT');
    await bob.exited;
  });

  it('an invitation: `invite` prints one string, `accept` it once makes both contacts (then a send reconnects), a second accept is refused', async () => {
    const dir = await tempDir();
    const home = join(dir, 'home');
    const port = await freePort();
    const users = await writeUsers(dir, [{ username: 'carol', port: await freePort() }, { username: 'dave', password: 'pw-dave', port }]);
    const dave = await startListener(['--as', 'dave', '--users', users], { home });
    const inv = await run(['invite', '--as', 'dave', '--users', users, '--json'], { home });
    assert.equal(inv.code, 0, inv.stderr);
    const invitation = String(jsonLines(inv.stdout).find((l) => l['event'] === 'invitation')?.['invitation']);
    assert.match(invitation, /^dave@127\.0\.0\.1:\d+#[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const ok = await run(['accept', invitation, '--as', 'carol', '--users', users], { home, input: '' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /dave and carol are contacts now/);
    const viaKeys = await run(['send', '--users', users, '--as', 'carol', '--to', 'dave', '--message', 'hi dave'], { home, input: '' });
    assert.equal(viaKeys.code, 0, viaKeys.stderr);
    assert.match(viaKeys.stderr, /reconnect by keys/);
    const again = await run(['accept', invitation, '--as', 'carol', '--users', users], { home, input: '' });
    assert.equal(again.code, 3, again.stderr);
    assert.match(again.stderr, /the invitation code is wrong, was already used, or has expired; ask for a new one with `securechat invite`/);
    dave.kill('SIGINT');
    await dave.exited;
  });
});
