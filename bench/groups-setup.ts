/** Shared setup for the group benches: members with fresh identities, and an n-member group built in one bulk add (not timed). */
import { ed25519PublicFromSeed } from '../src/crypto/ecc.js';
import { systemRandom } from '../src/crypto/random.js';
import { changeMembers, createGroup, joinGroup, loadSuite, newKeyPackage, ownCommitAccepted, type Group, type GroupSelf } from '../src/group/group.js';
import type { GroupSuiteId, MlsSuite } from '../src/group/mls.js';
import type { Ordering } from '../src/group/ordering.js';
import type { PinLookup } from '../src/group/credential.js';

export const noPins: PinLookup = () => undefined;

export function member(name: string): GroupSelf {
  const identitySeed = systemRandom(32);
  return { name, identitySeed, identityKey: ed25519PublicFromSeed(identitySeed) };
}

export interface Built {
  readonly suite: MlsSuite;
  /** The creator (leaf 0), and `joined` members who processed the Welcome (the others never run). */
  readonly creator: Group;
  readonly joined: Group[];
  readonly welcomeBytes: number;
}

/** An n-member group: the creator adds n−1 members in one commit; the first `join` of them join from the Welcome. */
export async function buildGroup(id: GroupSuiteId, n: number, join: number, ordering?: Ordering): Promise<Built> {
  const suite = await loadSuite(id, systemRandom);
  const selves = Array.from({ length: n }, (_, i) => member(`member${i}`));
  const o = ordering === undefined ? {} : { ordering };
  let creator = await createGroup({ suite, self: selves[0]!, groupId: systemRandom(32), pins: noPins, ...o });
  const kps = await Promise.all(selves.slice(1).map((s) => newKeyPackage(suite, s)));
  const add = await changeMembers(creator, { add: kps.map((k) => k.frame), remove: [] }, noPins);
  creator = ownCommitAccepted(add.group, noPins).group;
  const welcome = add.commit!.welcome!;
  const joined: Group[] = [];
  for (let i = 0; i < Math.min(join, n - 1); i++) {
    joined.push((await joinGroup({ suite, self: selves[i + 1]!, welcome, keyPackage: kps[i]!.keyPackage, pins: noPins, ...o })).group);
  }
  return { suite, creator, joined, welcomeBytes: welcome.length };
}
