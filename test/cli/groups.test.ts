/**
 * Groups end to end over real TCP on 127.0.0.1 with the built CLI (docs/GROUPS.md §11): three
 * users in three homes (three agents), each listening; alice logs in once with bob's and once
 * with carol's password (so they are her contacts), creates a group, adds both; every
 * member's message reaches every other member exactly once; a member alice's peers never
 * pinned shows as needing verification; carol is removed and no longer receives (and cannot
 * send); bob leaves; the messages are in the encrypted logs with the group named.
 * Every wait is for a line the programs print, bounded by `waitFor`'s limit.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanup, freePort, jsonLines, run, startListener, tempDir, writeUsers, type Proc } from './_harness.js';

after(cleanup);

const WAIT = 120_000;
const count = (s: string, re: RegExp): number => s.match(new RegExp(re.source, 'gm'))?.length ?? 0;

describe('groups over direct sessions', () => {
  it('create, add, messages from every member once, show, remove, leave, log', { timeout: 900_000 }, async () => {
    const dir = await tempDir();
    const homes = { alice: join(dir, 'a'), bob: join(dir, 'b'), carol: join(dir, 'c') };
    const users = await writeUsers(dir, [
      { username: 'alice', password: 'pw-alice', port: await freePort() },
      { username: 'bob', password: 'pw-bob', port: await freePort() },
      { username: 'carol', password: 'pw-carol', port: await freePort() },
    ]);
    const as = (who: keyof typeof homes, args: string[], input = ''): ReturnType<typeof run> => run([...args, '--as', who, '--users', users], { home: homes[who], input });
    const l: Record<keyof typeof homes, Proc> = {
      alice: await startListener(['--as', 'alice', '--users', users], { home: homes.alice }),
      bob: await startListener(['--as', 'bob', '--users', users], { home: homes.bob }),
      carol: await startListener(['--as', 'carol', '--users', users], { home: homes.carol }),
    };
    for (const [who, pw] of [['bob', 'pw-bob'], ['carol', 'pw-carol']] as const) {
      const r = await as('alice', ['send', '--to', who, '--message', `hello ${who}`], `${pw}\n`);
      assert.equal(r.code, 0, r.stderr);
    }

    const created = await as('alice', ['group', 'create', 'team']);
    assert.equal(created.code, 0, created.stderr);
    const added = await as('alice', ['group', 'add', 'team', 'bob', 'carol']);
    assert.equal(added.code, 0, added.stderr);
    await l.bob.waitFor(/alice added you to the group team/, 'stderr', WAIT);
    await l.carol.waitFor(/alice added you to the group team/, 'stderr', WAIT);

    // bob never logged in to carol: her key is in the group, but bob has not pinned it
    const shown = await as('bob', ['group', 'show', 'team', '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    const members = jsonLines(shown.stdout).filter((e) => e['event'] === 'group-member');
    assert.deepEqual(members.map((m) => [m['name'], m['keyState']]), [['alice', 'pinned'], ['bob', 'you'], ['carol', 'unverified']]);
    assert.equal(jsonLines(shown.stdout).find((e) => e['event'] === 'group')?.['epoch'], '1');
    const human = await as('bob', ['group', 'show', 'team']);
    assert.match(human.stdout, /carol .*unverified: needs verification/);

    for (const who of ['alice', 'bob', 'carol'] as const) {
      const r = await as(who, ['group', 'send', 'team', '--message', `from ${who}`]);
      assert.equal(r.code, 0, `${who}: ${r.stderr}`);
      for (const other of (['alice', 'bob', 'carol'] as const).filter((x) => x !== who)) {
        await l[other].waitFor(new RegExp(`${who} in team: from ${who}$`, 'm'), 'stdout', WAIT);
      }
    }

    // carol is removed: she is told, and alice's next message reaches bob only
    const removed = await as('alice', ['group', 'remove', 'team', 'carol']);
    assert.equal(removed.code, 0, removed.stderr);
    await l.carol.waitFor(/no longer a member of the group team/, 'stderr', WAIT);
    await l.bob.waitFor(/group team, epoch 2: carol left/, 'stderr', WAIT);
    const afterRemoval = await as('alice', ['group', 'send', 'team', '--message', 'after removal']);
    assert.equal(afterRemoval.code, 0, afterRemoval.stderr);
    await l.bob.waitFor(/alice in team: after removal$/m, 'stdout', WAIT);
    const carolSends = await as('carol', ['group', 'send', 'team', '--message', 'still here?']);
    assert.equal(carolSends.code, 2, carolSends.stderr);
    assert.match(carolSends.stderr, /carol is no longer a member of team/);

    // bob leaves: his proposal goes to alice, whose commit removes him
    const left = await as('bob', ['group', 'leave', 'team']);
    assert.equal(left.code, 0, left.stderr);
    await l.bob.waitFor(/no longer a member of the group team/, 'stderr', WAIT);
    const aliceShow = jsonLines((await as('alice', ['group', 'show', 'team', '--json'])).stdout);
    assert.deepEqual(aliceShow.filter((e) => e['event'] === 'group-member').map((m) => m['name']), ['alice']);
    assert.equal(aliceShow.find((e) => e['event'] === 'group')?.['epoch'], '3');

    // every message exactly once at every member; carol never saw what followed her removal
    for (const who of ['alice', 'bob', 'carol'] as const) {
      for (const from of (['alice', 'bob', 'carol'] as const).filter((x) => x !== who)) {
        assert.equal(count(l[who].stdout, new RegExp(`${from} in team: from ${from}$`)), 1, `${who} got ${from}'s message once`);
      }
    }
    assert.doesNotMatch(l.carol.stdout, /after removal/);

    const log = await as('bob', ['log', 'show']);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /<- alice in group team: from alice/);
    assert.match(log.stdout, /-> group team: from bob/);
    assert.match(log.stdout, /<- carol in group team: from carol/);

    const listed = jsonLines((await as('carol', ['group', 'list', '--json'])).stdout);
    assert.equal(listed.find((e) => e['event'] === 'group')?.['status'], 'removed');
    for (const p of Object.values(l)) p.kill('SIGINT');
    await Promise.all(Object.values(l).map((p) => p.exited));
  });

  it('an offline member is not added (needs a relay, said plainly); chat --group writes to the group; a restarted agent picks the group up', { timeout: 900_000 }, async () => {
    const dir = await tempDir();
    const homes = { alice: join(dir, 'a'), bob: join(dir, 'b'), carol: join(dir, 'c') };
    const users = await writeUsers(dir, [
      { username: 'alice', password: 'pw-alice', port: await freePort() },
      { username: 'bob', password: 'pw-bob', port: await freePort() },
      { username: 'carol', password: 'pw-carol', port: await freePort() },
    ]);
    const as = (who: keyof typeof homes, args: string[], input = ''): ReturnType<typeof run> => run([...args, '--as', who, '--users', users], { home: homes[who], input });
    let alice = await startListener(['--as', 'alice', '--users', users], { home: homes.alice });
    const bob = await startListener(['--as', 'bob', '--users', users], { home: homes.bob });
    const carol = await startListener(['--as', 'carol', '--users', users], { home: homes.carol });
    for (const [who, pw] of [['bob', 'pw-bob'], ['carol', 'pw-carol']] as const) {
      assert.equal((await as('alice', ['send', '--to', who, '--message', 'hi'], `${pw}\n`)).code, 0);
    }
    carol.kill('SIGINT');
    await carol.exited;
    assert.equal((await run(['agent', 'stop'], { home: homes.carol })).code, 0);

    assert.equal((await as('alice', ['group', 'create', 'pair'])).code, 0);
    const offline = await as('alice', ['group', 'add', 'pair', 'carol']);
    assert.equal(offline.code, 4, offline.stderr);
    assert.match(offline.stderr, /carol is not reachable now .*nobody was added to pair: adding an offline member needs a relay/);
    assert.equal(offline.stderr.match(/error:/g)?.length, 1, 'one sentence');
    const added = await as('alice', ['group', 'add', 'pair', 'bob']);
    assert.equal(added.code, 0, added.stderr);
    await bob.waitFor(/alice added you to the group pair/, 'stderr', WAIT);

    const chat = await as('bob', ['chat', '--group', 'pair'], 'first line from chat\nsecond line from chat\n');
    assert.equal(chat.code, 0, chat.stderr);
    await alice.waitFor(/bob in pair: second line from chat$/m, 'stdout', WAIT);
    assert.match(alice.stdout, /bob in pair: first line from chat\n[^\n]*bob in pair: second line from chat/);

    // alice's agent stops (and her listener with it); a new one reads the group back from its file
    assert.equal((await run(['agent', 'stop'], { home: homes.alice })).code, 0);
    await alice.exited;
    alice = await startListener(['--as', 'alice', '--users', users], { home: homes.alice });
    const shown = jsonLines((await as('alice', ['group', 'show', 'pair', '--json'])).stdout);
    assert.deepEqual(shown.filter((e) => e['event'] === 'group-member').map((m) => m['name']), ['alice', 'bob']);
    const r = await as('alice', ['group', 'send', 'pair', '--message', 'after my restart']);
    assert.equal(r.code, 0, r.stderr);
    await bob.waitFor(/alice in pair: after my restart$/m, 'stdout', WAIT);
    const back = await as('bob', ['group', 'send', 'pair', '--message', 'welcome back']);
    assert.equal(back.code, 0, back.stderr);
    await alice.waitFor(/bob in pair: welcome back$/m, 'stdout', WAIT);
    for (const p of [alice, bob]) p.kill('SIGINT');
    await Promise.all([alice.exited, bob.exited]);
  });
});
