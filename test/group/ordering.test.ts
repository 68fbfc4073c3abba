/**
 * Two members commit at once. With a Delivery Service (sequenced mode, the EpochSequencer):
 * exactly one commit is accepted for the epoch, its author applies it only when it comes back,
 * the other author's commit is dropped and its change rebased into the next epoch; the group
 * does not fork. Without a relay (committer mode): a member's proposal that lost the race to a
 * commit is refused for its old epoch and sent again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeMembers, commitProposals, joinGroup, newKeyPackage, ownCommitAccepted, receive, type GroupEvent } from '../../src/group/group.js';
import { decodeGroupFrame } from '../../src/group/frame.js';
import { offer, type EpochSequencer } from '../../src/group/ordering.js';
import { deliver, makeUser, pinAll, rejectsWith, suite, type Seat } from './_world.js';
import { everyoneTalks, groupOf } from './_groups.js';

const SEQUENCED = { mode: 'sequenced' } as const;

test('sequenced: two members commit at once, exactly one wins, the other rebases, no fork', async () => {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin'].map((n) => makeUser(n));
  pinAll(users);
  const seats = await groupOf(83, users[0]!, users.slice(1, 3), 'concurrent', SEQUENCED);
  const [a, b, c] = seats as [Seat, Seat, Seat];
  let ds: EpochSequencer = { groupId: a.group.mls.groupId, epoch: a.group.mls.epoch };
  const s = await suite(83);
  const daveKp = await newKeyPackage(s, users[3]!.self);
  const erinKp = await newKeyPackage(s, users[4]!.self);

  // both commit at epoch 1
  const ra = await changeMembers(a.group, { add: [daveKp.frame], remove: [] }, a.user.pins);
  const rb = await changeMembers(b.group, { add: [erinKp.frame], remove: [] }, b.user.pins);
  a.group = ra.group;
  b.group = rb.group;
  assert.ok(a.group.pending !== undefined && b.group.pending !== undefined);
  // neither applied its own commit yet
  assert.equal(a.group.mls.epoch, 1n);
  assert.equal(b.group.mls.epoch, 1n);

  // the DS sees bob's first: it wins; alice's is refused
  const vb = offer(ds, decodeGroupFrame(rb.commit!.frame));
  assert.ok(vb.accepted);
  ds = vb.next;
  const va = offer(ds, decodeGroupFrame(ra.commit!.frame));
  assert.deepEqual(va, { accepted: false, code: 'GROUP_WRONG_EPOCH' });

  // the DS fans bob's commit out to everyone, bob included
  const events: GroupEvent[] = await deliver(rb.commit!.frame, [a, b, c]);
  assert.deepEqual(events.map((e) => e.kind), ['commit', 'commit', 'commit']);
  const [ea] = events;
  assert.ok(ea?.kind === 'commit' && ea.rebase !== undefined, 'alice learns her commit lost and gets her change back');
  assert.equal(a.group.pending, undefined);
  assert.equal(b.group.pending, undefined);
  const erin: Seat = { user: users[4]!, group: (await joinGroup({ suite: s, self: users[4]!.self, welcome: rb.commit!.welcome!, keyPackage: erinKp.keyPackage, pins: users[4]!.pins, ordering: SEQUENCED })).group };
  const after1 = [a, b, c, erin];
  assert.deepEqual(after1.map((x) => x.group.mls.epoch), [2n, 2n, 2n, 2n]);
  // alice's losing commit never reaches anyone; if it did, it is for a past epoch
  await rejectsWith(receive(c.group, ra.commit!.frame, c.user.pins), 'GROUP_WRONG_EPOCH', 'the losing commit');

  // alice rebases: the same change, committed in epoch 2
  const ra2 = await changeMembers(a.group, ea.rebase, a.user.pins);
  a.group = ra2.group;
  const v2 = offer(ds, decodeGroupFrame(ra2.commit!.frame));
  assert.ok(v2.accepted);
  ds = v2.next;
  await deliver(ra2.commit!.frame, after1);
  const dave: Seat = { user: users[3]!, group: (await joinGroup({ suite: s, self: users[3]!.self, welcome: ra2.commit!.welcome!, keyPackage: daveKp.keyPackage, pins: users[3]!.pins, ordering: SEQUENCED })).group };
  const all = [...after1, dave];
  assert.deepEqual(all.map((x) => x.group.mls.epoch), [3n, 3n, 3n, 3n, 3n]);
  assert.equal(ds.epoch, 3n);
  // one group: everyone reads everyone
  await everyoneTalks(all, 'no fork');
});

test('committer mode: a proposal that lost the race to a commit is refused for its epoch and sent again', async () => {
  const users = ['alice', 'bob', 'carol', 'dave'].map((n) => makeUser(n));
  pinAll(users);
  const [a, b, c] = (await groupOf(83, users[0]!, users.slice(1, 3), 'race')) as [Seat, Seat, Seat];
  // bob proposes to add dave while alice commits an unrelated change (an empty commit: a key update)
  const s = await suite(83);
  const daveKp = await newKeyPackage(s, users[3]!.self);
  const pb = await changeMembers(b.group, { add: [daveKp.frame], remove: [] }, b.user.pins);
  b.group = pb.group;
  const rc = await changeMembers(a.group, { add: [], remove: [] }, a.user.pins);
  a.group = ownCommitAccepted(rc.group, a.user.pins).group;
  await deliver(rc.commit!.frame, [b, c]);
  // bob's proposal arrives after the commit: refused by everyone for its old epoch
  await rejectsWith(receive(a.group, pb.proposals[0]!, a.user.pins), 'GROUP_WRONG_EPOCH', 'alice');
  await rejectsWith(receive(c.group, pb.proposals[0]!, c.user.pins), 'GROUP_WRONG_EPOCH', 'carol');
  // bob sends it again in the new epoch; alice commits it
  const pb2 = await changeMembers(b.group, { add: [daveKp.frame], remove: [] }, b.user.pins);
  b.group = pb2.group;
  await deliver(pb2.proposals[0]!, [a, c]);
  const cp = await commitProposals(a.group, a.user.pins);
  a.group = ownCommitAccepted(cp.group, a.user.pins).group;
  await deliver(cp.commit!.frame, [b, c]);
  const dave: Seat = { user: users[3]!, group: (await joinGroup({ suite: s, self: users[3]!.self, welcome: cp.commit!.welcome!, keyPackage: daveKp.keyPackage, pins: users[3]!.pins })).group };
  await everyoneTalks([a, b, c, dave], 'after the race');
});

test('the sequencer refuses another group, future epochs and stale proposals', async () => {
  const users = ['alice', 'bob'].map((n) => makeUser(n));
  pinAll(users);
  const [a] = (await groupOf(1, users[0]!, [users[1]!], 'seq', SEQUENCED)) as [Seat, Seat];
  const r = await changeMembers(a.group, { add: [], remove: [] }, a.user.pins);
  const f = decodeGroupFrame(r.commit!.frame);
  assert.deepEqual(offer({ groupId: new Uint8Array(32), epoch: 1n }, f), { accepted: false, code: 'GROUP_WRONG_GROUP' });
  assert.deepEqual(offer({ groupId: a.group.mls.groupId, epoch: 0n }, f), { accepted: false, code: 'GROUP_WRONG_EPOCH' });
  assert.deepEqual(offer({ groupId: a.group.mls.groupId, epoch: 2n }, f), { accepted: false, code: 'GROUP_WRONG_EPOCH' });
  assert.equal(offer({ groupId: a.group.mls.groupId, epoch: 1n }, f).accepted, true);
});
