/**
 * The app's groups (src/app/groups.ts) in one process: three users with real homes (group
 * files, known_peers) whose conversations are a fake link that hands each GROUP message to
 * the other side's `incoming` and resolves the receipt when it was handled. Adversarial: a
 * tampered frame is GROUP_AUTH_FAILED and changes nothing, a replayed one GROUP_REPLAY, a
 * frame for the group after our removal GROUP_NOT_MEMBER; a KeyPackage under a key other than
 * the pinned one is GROUP_MEMBER_KEY_CHANGED; a pin that differs shows as `changed`; a restarted
 * agent (a new Groups over the same files) picks its groups up again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Groups, type GroupsHost, type GroupUser } from '../../src/app/groups.js';
import type { Self } from '../../src/app/self.js';
import type { ConversationLog } from '../../src/app/log-sink.js';
import type { Conversation } from '../../src/chat/conversation.js';
import { AppKind, GroupOp } from '../../src/chat/message.js';
import { loadOrCreateIdentity, pinPeer } from '../../src/identity/index.js';
import type { JsonEvent } from '../../src/app/host.js';
import { MAX_GROUP_TEXT_BYTES } from '../../src/limits.js';

type Name = 'alice' | 'bob' | 'carol' | 'dave';
type Msg = Parameters<Conversation['sendGroup']>[0];
interface Party { self: Self; user: GroupUser; groups: Groups; lines: JsonEvent[]; warns: JsonEvent[]; logged: string[] }

let root = '';
const world = new Map<Name, Party>();
/** Returns false to hold a message back (the test delivers it itself). */
let tap: (from: Name, to: Name, m: Msg) => boolean = () => true;
const held: { from: Name; to: Name; m: Msg }[] = [];

function conv(from: Name, to: Name): Conversation {
  let id = 0;
  const pending = new Map<number, Promise<void>>();
  const fake = {
    sendGroup(m: Msg): number {
      id++;
      if (!tap(from, to, m)) {
        held.push({ from, to, m });
        pending.set(id, Promise.resolve());
        return id;
      }
      const p = party(to);
      pending.set(id, p.groups.incoming(p.user, from, conv(to, from), { ...m, kind: AppKind.GROUP, id }));
      return id;
    },
    waitReceipt: (n: number): Promise<void> => pending.get(n) ?? Promise.reject(new Error('no such id')),
  };
  return fake as unknown as Conversation;
}

function party(n: Name): Party {
  const p = world.get(n);
  if (p === undefined) throw new Error(`no ${n}`);
  return p;
}

function groupsFor(n: Name, p: Omit<Party, 'groups'>): Groups {
  const host: GroupsHost = {
    useUser: (as, fn) => fn(party(as as Name).user),
    withPeer: (as, peer, _address, fn) => fn(conv(as as Name, peer as Name)),
    isContact: () => true,
    feed: () => ({ status: () => undefined, warn: (_t, e) => void (e === undefined ? undefined : p.warns.push(e)), line: (_t, e) => void p.lines.push(e) }),
  };
  return new Groups(host);
}

async function makeParty(n: Name): Promise<void> {
  const dir = join(root, n);
  await mkdir(dir, { mode: 0o700 });
  const { identity } = await loadOrCreateIdentity(dir);
  const self: Self = { name: n, dir, identity, entry: undefined };
  const logged: string[] = [];
  const log = { groupSent: async (g: string, t: string) => void logged.push(`-> ${g}: ${t}`), groupReceived: async (g: string, f: string, t: string) => void logged.push(`<- ${f} in ${g}: ${t}`) };
  const base = { self, user: { self, log: log as unknown as ConversationLog }, lines: [], warns: [], logged };
  world.set(n, { ...base, groups: groupsFor(n, base) });
}

const texts = (n: Name): string[] => party(n).lines.filter((e) => e.event === 'group-message').map((e) => `${typeof e['from'] === 'string' ? e['from'] : '?'}: ${typeof e['text'] === 'string' ? e['text'] : '?'}`);
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? 'no code';
  }
  return 'no error';
}
const frameOf = (m: Msg): Uint8Array => {
  if (m.op !== GroupOp.FRAME) throw new Error('not a frame');
  return m.frame;
};

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'securechat-groups-'));
  for (const n of ['alice', 'bob', 'carol', 'dave'] as const) await makeParty(n);
  // the pins the 1:1 logins made: alice pinned bob and carol, they pinned alice
  for (const n of ['bob', 'carol'] as const) {
    await pinPeer(party('alice').self.dir, n, party(n).self.identity.publicKey);
    await pinPeer(party(n).self.dir, 'alice', party('alice').self.identity.publicKey);
  }
});
after(async () => rm(root, { recursive: true, force: true }));

describe('app groups: routing through the committer, and hostile frames', () => {
  it('create, add two contacts, each member\'s message reaches the two others once', async () => {
    const a = party('alice').groups;
    await a.create('alice', 'team');
    const added = await a.add('alice', 'team', [{ name: 'bob', address: undefined }, { name: 'carol', address: undefined }]);
    assert.ok(added.deliveries.every((d) => d.delivered), JSON.stringify(added.deliveries));
    assert.equal(added.info.epoch, '1');
    for (const n of ['alice', 'bob', 'carol'] as const) {
      await party(n).groups.send(n, 'team', `hi from ${n}`);
      await a.settled();
    }
    assert.deepEqual(texts('alice'), ['bob: hi from bob', 'carol: hi from carol']);
    assert.deepEqual(texts('bob'), ['alice: hi from alice', 'carol: hi from carol']);
    assert.deepEqual(texts('carol'), ['alice: hi from alice', 'bob: hi from bob']);
    assert.deepEqual(party('bob').logged, ['<- alice in team: hi from alice', '-> team: hi from bob', '<- carol in team: hi from carol']);
    // bob never pinned carol: she needs verification; alice's key is the pinned one
    const shown = await party('bob').groups.show('bob', 'team');
    assert.deepEqual(shown.members.map((m) => [m.name, m.keyState]), [['alice', 'pinned'], ['bob', 'you'], ['carol', 'unverified']]);
  });

  it('a tampered frame is GROUP_AUTH_FAILED and changes nothing; the genuine one is then accepted once, its replay GROUP_REPLAY', async () => {
    tap = (from, to) => !(from === 'bob' && to === 'alice');
    await party('bob').groups.send('bob', 'team', 'genuine');
    tap = () => true;
    const h = held.splice(0);
    assert.equal(h.length, 1);
    const genuine = frameOf(h[0]!.m);
    const alice = party('alice');
    const deliver = (frame: Uint8Array): Promise<void> => alice.groups.incoming(alice.user, 'bob', conv('alice', 'bob'), { kind: AppKind.GROUP, id: 1, op: GroupOp.FRAME, frame });
    const tampered = genuine.slice();
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0x01;
    assert.equal(await codeOf(deliver(tampered)), 'GROUP_AUTH_FAILED');
    assert.equal(alice.warns.at(-1)?.['code'], 'GROUP_AUTH_FAILED');
    await deliver(genuine);
    await alice.groups.settled();
    assert.equal(texts('alice').at(-1), 'bob: genuine');
    assert.equal(texts('carol').at(-1), 'bob: genuine', 'the committer forwarded it');
    assert.equal(await codeOf(deliver(genuine)), 'GROUP_REPLAY');
    assert.equal(texts('alice').filter((t) => t === 'bob: genuine').length, 1);
  });

  it('a message too long for one direct record is GROUP_TOO_LARGE before anything moves; the next one is delivered', async () => {
    const before = await party('alice').groups.show('alice', 'team');
    assert.equal(await codeOf(party('alice').groups.send('alice', 'team', 'x'.repeat(MAX_GROUP_TEXT_BYTES + 1))), 'GROUP_TOO_LARGE');
    const longest = await party('alice').groups.send('alice', 'team', 'y'.repeat(MAX_GROUP_TEXT_BYTES));
    assert.ok(longest.deliveries.every((x) => x.delivered), JSON.stringify(longest.deliveries));
    const d = await party('alice').groups.send('alice', 'team', 'short again');
    assert.ok(d.deliveries.every((x) => x.delivered), JSON.stringify(d.deliveries));
    assert.equal(texts('bob').at(-1), 'alice: short again');
    assert.equal((await party('alice').groups.show('alice', 'team')).epoch, before.epoch);
  });

  it('a KeyPackage under another key than the pinned one is GROUP_MEMBER_KEY_CHANGED; a pin that differs later shows as changed', async () => {
    await pinPeer(party('alice').self.dir, 'dave', randomBytes(32));
    assert.equal(await codeOf(party('alice').groups.add('alice', 'team', [{ name: 'dave', address: undefined }])), 'GROUP_MEMBER_KEY_CHANGED');
    assert.equal((await party('alice').groups.show('alice', 'team')).epoch, '1', 'nothing was committed');
    await pinPeer(party('bob').self.dir, 'carol', randomBytes(32));
    const shown = await party('bob').groups.show('bob', 'team');
    assert.equal(shown.members.find((m) => m.name === 'carol')?.keyState, 'changed');
  });

  it('a removed member cannot read what follows (GROUP_NOT_MEMBER) and cannot send', async () => {
    await party('alice').groups.remove('alice', 'team', 'carol');
    assert.equal((await party('carol').groups.show('carol', 'team')).status, 'removed');
    tap = (from, to) => !(from === 'alice' && to === 'bob');
    await party('alice').groups.send('alice', 'team', 'carol must not read this');
    tap = () => true;
    const h = held.splice(0);
    const frame = frameOf(h[0]!.m);
    const carol = party('carol');
    assert.equal(await codeOf(carol.groups.incoming(carol.user, 'alice', conv('carol', 'alice'), { kind: AppKind.GROUP, id: 9, op: GroupOp.FRAME, frame })), 'GROUP_NOT_MEMBER');
    assert.ok(!texts('carol').some((t) => t.includes('must not read')));
    assert.equal(await codeOf(carol.groups.send('carol', 'team', 'still here?')), 'GROUP_NOT_MEMBER');
  });

  it('a restarted agent picks the groups up from their files; a member leaves through the committer', async () => {
    for (const n of ['alice', 'bob'] as const) {
      const p = party(n);
      world.set(n, { ...p, groups: groupsFor(n, p) });
    }
    assert.equal((await party('alice').groups.show('alice', 'team')).epoch, '2');
    await party('bob').groups.send('bob', 'team', 'after the restart');
    await party('alice').groups.settled();
    assert.equal(texts('alice').at(-1), 'bob: after the restart');
    assert.equal(await codeOf(party('alice').groups.leave('alice', 'team')), 'GROUP_COMMIT_REFUSED');
    await party('bob').groups.leave('bob', 'team');
    await party('alice').groups.settled();
    assert.equal((await party('bob').groups.show('bob', 'team')).status, 'removed');
    const a = await party('alice').groups.show('alice', 'team');
    assert.deepEqual(a.members.map((m) => m.name), ['alice']);
    assert.equal(a.epoch, '3');
  });
});
