/** Building groups for the tests: the creator adds everyone in one commit. */
import assert from 'node:assert/strict';
import { changeMembers, createGroup, joinGroup, newKeyPackage, ownCommitAccepted, send } from '../../src/group/group.js';
import type { GroupSuiteId } from '../../src/group/mls.js';
import type { Ordering } from '../../src/group/ordering.js';
import { deliver, groupIdFor, suite, text, untext, type Seat, type User } from './_world.js';

export async function groupOf(id: GroupSuiteId, creator: User, others: readonly User[], label: string, ordering?: Ordering): Promise<Seat[]> {
  const s = await suite(id);
  const o = ordering === undefined ? {} : { ordering };
  const a: Seat = { user: creator, group: await createGroup({ suite: s, self: creator.self, groupId: groupIdFor(label), pins: creator.pins, ...o }) };
  const kps = await Promise.all(others.map((u) => newKeyPackage(s, u.self)));
  const r = await changeMembers(a.group, { add: kps.map((k) => k.frame), remove: [] }, creator.pins);
  assert.ok(r.commit?.welcome !== undefined, 'an add commit comes with a Welcome');
  a.group = ownCommitAccepted(r.group, creator.pins).group;
  const seats: Seat[] = [a];
  for (const [i, u] of others.entries()) {
    const j = await joinGroup({ suite: s, self: u.self, welcome: r.commit.welcome, keyPackage: kps[i]!.keyPackage, pins: u.pins, ...o });
    seats.push({ user: u, group: j.group });
  }
  return seats;
}

/** Every seat sends one message; every other seat decrypts it, with the right sender. */
export async function everyoneTalks(seats: Seat[], tag: string): Promise<void> {
  for (const from of seats) {
    const r = await send(from.group, text(`${tag} from ${from.user.self.name}`), from.user.pins);
    from.group = r.group;
    const others = seats.filter((x) => x !== from);
    const events = await deliver(r.frame, others);
    for (const [i, e] of events.entries()) {
      assert.ok(e.kind === 'message', `${others[i]!.user.self.name} got a ${e.kind}, not ${from.user.self.name}'s message`);
      assert.equal(e.from.name, from.user.self.name);
      assert.equal(untext(e.plaintext), `${tag} from ${from.user.self.name}`);
    }
  }
}
