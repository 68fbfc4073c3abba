/**
 * Members of a group as SecureChat shows them: name, identity key and its state against our
 * pins (docs/GROUPS.md §3). A view, recomputed from the MLS tree and the current pins.
 */
import { remoteError } from '../errors.js';
import { usernameKey } from '../identity/username.js';
import { decodeCredential, type PinLookup } from './credential.js';
import type { MlsGroupState, MlsLeaf } from './mls.js';

export interface MemberView {
  readonly leaf: number;
  readonly name: string;
  readonly identityKey: Uint8Array;
  /** `changed`: the key in the group differs from the one pinned now (pinned after it joined). */
  readonly keyState: 'verified' | 'unverified' | 'changed';
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function memberView(l: MlsLeaf, pins: PinLookup): MemberView {
  const c = decodeCredential(l.credentialIdentity);
  const pinned = pins(c.name);
  const keyState = pinned === undefined ? 'unverified' : equal(pinned, c.identityKey) ? 'verified' : 'changed';
  return { leaf: l.leaf, name: c.name, identityKey: c.identityKey, keyState };
}

/** Every member, in leaf order. Throws `GROUP_CREDENTIAL_INVALID` if a name appears twice (names compare case-insensitively, as usernames do). */
export function membersOf(mls: MlsGroupState, pins: PinLookup): readonly MemberView[] {
  const out = mls.members.map((l) => memberView(l, pins));
  const names = new Set<string>();
  for (const m of out) {
    if (names.has(usernameKey(m.name))) throw remoteError('GROUP_CREDENTIAL_INVALID', `${m.name} appears twice in the group`);
    names.add(usernameKey(m.name));
  }
  return out;
}

/** Who joined and who left between two member lists (by leaf, name and key: a swapped key is a leave and a join). */
export function membershipDiff(before: readonly MemberView[], after: readonly MemberView[]): { added: MemberView[]; removed: MemberView[] } {
  const key = (m: MemberView): string => `${m.leaf}:${m.name}:${Buffer.from(m.identityKey).toString('hex')}`;
  const was = new Set(before.map(key));
  const is = new Set(after.map(key));
  return { added: after.filter((m) => !was.has(key(m))), removed: before.filter((m) => !is.has(key(m))) };
}
