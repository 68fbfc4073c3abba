/** The local user as the group layer sees them (GROUPS.md §3: the identity key is the MLS signature key). */
import type { GroupSelf } from '../group/index.js';
import type { Self } from './self.js';

export function groupSelf(s: Self): GroupSelf {
  return { name: s.name, identitySeed: s.identity.seed, identityKey: s.identity.publicKey };
}
