/**
 * Group scenarios on suite 83 (and one on suite 1): create with 3 members, add an offline
 * member by KeyPackage, every member's messages decrypted by all others exactly once, remove,
 * leave, a changed key refused against the pin, the designated committer rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeMembers, commitProposals, createGroup, joinGroup, leave, members, newKeyPackage, ownCommitAccepted, receive, send } from '../../src/group/group.js';
import type { GroupSuiteId } from '../../src/group/mls.js';
import { deliver, groupIdFor, makeUser, pinAll, rejectsWith, suite, text, untext, type Seat, type User } from './_world.js';

/** The creator adds `others` in one commit; each joins from the Welcome. */
async function groupOf(id: GroupSuiteId, creator: User, others: readonly User[], label: string): Promise<Seat[]> {
  const s = await suite(id);
  const a: Seat = { user: creator, group: await createGroup({ suite: s, self: creator.self, groupId: groupIdFor(label), pins: creator.pins }) };
  const kps = await Promise.all(others.map((u) => newKeyPackage(s, u.self)));
  const r = await changeMembers(a.group, { add: kps.map((k) => k.frame), remove: [] }, creator.pins);
  assert.ok(r.commit?.welcome !== undefined, 'an add commit comes with a Welcome');
  a.group = ownCommitAccepted(r.group, creator.pins).group;
  const seats: Seat[] = [a];
  for (const [i, u] of others.entries()) {
    const j = await joinGroup({ suite: s, self: u.self, welcome: r.commit.welcome, keyPackage: kps[i]!.keyPackage, pins: u.pins });
    seats.push({ user: u, group: j.group });
  }
  return seats;
}

/** Every seat sends one message; every other seat decrypts each exactly once, with the right sender. */
async function everyoneTalks(seats: Seat[], tag: string): Promise<void> {
  for (const from of seats) {
    const r = await send(from.group, text(`${tag} from ${from.user.self.name}`), from.user.pins);
    from.group = r.group;
    const others = seats.filter((x) => x !== from);
    const events = await deliver(r.frame, others);
    for (const [i, e] of events.entries()) {
      assert.equal(e.kind, 'message', `${others[i]!.user.self.name} got a ${e.kind}`);
      if (e.kind !== 'message') continue;
      assert.equal(e.from.name, from.user.self.name);
      assert.equal(untext(e.plaintext), `${tag} from ${from.user.self.name}`);
    }
    // exactly once: the same frame again is a replay for everyone
    for (const o of others) await rejectsWith(receive(o.group, r.frame, o.user.pins), 'GROUP_REPLAY', `${o.user.self.name} re-receiving`);
  }
}

const epochs = (seats: readonly Seat[]): bigint[] => seats.map((s) => s.group.mls.epoch);

test('suite 83: a group of 3, messages from every member to all others once, an offline member added by KeyPackage', async () => {
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => makeUser(n)) as [User, User, User, User];
  pinAll([alice, bob, carol, dave]);
  const seats = await groupOf(83, alice, [bob, carol], 'three');
  assert.deepEqual(epochs(seats), [1n, 1n, 1n]);
  assert.deepEqual(members(seats[1]!.group, bob.pins).map((m) => [m.name, m.keyState]), [['alice', 'verified'], ['bob', 'unverified'], ['carol', 'verified']]);
  await everyoneTalks(seats, 'epoch 1');

  // dave is offline: his KeyPackage was published earlier; he joins later from the Welcome.
  const s = await suite(83);
  const daveKp = await newKeyPackage(s, dave.self);
  const r = await changeMembers(seats[0]!.group, { add: [daveKp.frame], remove: [] }, alice.pins);
  seats[0]!.group = ownCommitAccepted(r.group, alice.pins).group;
  const events = await deliver(r.commit!.frame, seats.slice(1));
  for (const e of events) assert.ok(e.kind === 'commit' && e.added.map((m) => m.name).join() === 'dave');
  const d = await joinGroup({ suite: s, self: dave.self, welcome: r.commit!.welcome!, keyPackage: daveKp.keyPackage, pins: dave.pins });
  seats.push({ user: dave, group: d.group });
  assert.deepEqual(epochs(seats), [2n, 2n, 2n, 2n]);
  await everyoneTalks(seats, 'epoch 2');
});

test('suite 1: the same group works on the reference suite', async () => {
  const users = ['alice', 'bob', 'carol'].map((n) => makeUser(n));
  pinAll(users);
  const seats = await groupOf(1, users[0]!, users.slice(1), 'suite1');
  await everyoneTalks(seats, 'suite 1');
});

test('remove: the removed member cannot decrypt what follows; leave: a proposal the committer commits', async () => {
  const users = ['alice', 'bob', 'carol', 'dave'].map((n) => makeUser(n));
  pinAll(users);
  const seats = await groupOf(83, users[0]!, users.slice(1), 'remove');
  const [a, b, c, d] = seats as [Seat, Seat, Seat, Seat];
  // alice removes carol
  const r = await changeMembers(a.group, { add: [], remove: ['carol'] }, a.user.pins);
  a.group = ownCommitAccepted(r.group, a.user.pins).group;
  const [eb, ec, ed] = await deliver(r.commit!.frame, [b, c, d]);
  assert.ok(eb?.kind === 'commit' && eb.removed.map((m) => m.name).join() === 'carol');
  assert.equal(ec?.kind, 'removed');
  assert.equal(ed?.kind, 'commit');
  const m = await send(a.group, text('after carol left'), a.user.pins);
  a.group = m.group;
  await rejectsWith(receive(c.group, m.frame, c.user.pins), 'GROUP_NOT_MEMBER', 'carol after removal');
  const [gb] = await deliver(m.frame, [b, d]);
  assert.ok(gb?.kind === 'message' && untext(gb.plaintext) === 'after carol left');
  await rejectsWith(send(c.group, text('x'), c.user.pins), 'GROUP_NOT_MEMBER', 'carol sending');

  // dave leaves: his proposal goes to everyone; alice commits it.
  const l = await leave(d.group, d.user.pins);
  d.group = l.group;
  await deliver(l.proposal, [a, b]);
  const cp = await commitProposals(a.group, a.user.pins);
  a.group = ownCommitAccepted(cp.group, a.user.pins).group;
  const [eb2, ed2] = await deliver(cp.commit!.frame, [b, d]);
  assert.ok(eb2?.kind === 'commit' && eb2.removed.map((x) => x.name).join() === 'dave');
  assert.equal(ed2?.kind, 'removed');
  assert.deepEqual(members(a.group, a.user.pins).map((x) => x.name), ['alice', 'bob']);
  await everyoneTalks([a, b], 'two left');
  // the committer cannot leave without a relay
  await rejectsWith(leave(a.group, a.user.pins), 'GROUP_COMMIT_REFUSED', 'committer leaving');
});

test('a member who is not the committer proposes; a commit from them is refused by the others', async () => {
  const users = ['alice', 'bob', 'carol', 'dave'].map((n) => makeUser(n));
  pinAll(users);
  const seats = await groupOf(83, users[0]!, users.slice(1, 3), 'committer');
  const [a, b, c] = seats as [Seat, Seat, Seat];
  const s = await suite(83);
  const daveKp = await newKeyPackage(s, users[3]!.self);
  // bob may not commit: his change becomes a proposal
  const pb = await changeMembers(b.group, { add: [daveKp.frame], remove: [] }, b.user.pins);
  assert.equal(pb.commit, undefined);
  assert.equal(pb.proposals.length, 1);
  b.group = pb.group;
  await deliver(pb.proposals[0]!, [a, c]);
  // until the committer commits the proposal, nobody who holds it sends application messages
  await rejectsWith(send(c.group, text('too early'), c.user.pins), 'GROUP_PENDING_COMMIT', 'carol while a proposal waits');
  const cp = await commitProposals(a.group, a.user.pins);
  a.group = ownCommitAccepted(cp.group, a.user.pins).group;
  const ev = await deliver(cp.commit!.frame, [b, c]);
  assert.ok(ev.every((e) => e.kind === 'commit' && e.added.map((m) => m.name).join() === 'dave'));
  const dj = await joinGroup({ suite: s, self: users[3]!.self, welcome: cp.commit!.welcome!, keyPackage: daveKp.keyPackage, pins: users[3]!.pins });
  assert.equal(dj.group.mls.epoch, 2n);
  await everyoneTalks([a, b, c, { user: users[3]!, group: dj.group }], 'with dave');
});
