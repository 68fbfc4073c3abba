/**
 * MLS credentials are our identity keys (docs/GROUPS.md §3).
 *
 * A member's leaf carries a `basic` credential whose identity is
 * `0x01 || u8(len(name)) || name (UTF-8) || identity_key (32 bytes, Ed25519)`, and its MLS
 * signature key IS that identity key: the leaf, every KeyPackage and every group message are
 * signed with the user's own Ed25519 identity seed. MLS signs `SignContent` (RFC 9420 §5.1.2),
 * which starts with a one-byte length below 64; our handshake signs text starting with
 * "SecureChat v1" (0x53): the two message sets are disjoint, so one key can serve both.
 *
 * `checkMember` replaces ts-mls's accept-everything `validateCredential`: a credential is
 * refused unless it is well formed and names the same key it is signed with; a member whose
 * key differs from the one we pinned for that name is refused (`GROUP_MEMBER_KEY_CHANGED`); a
 * member we have not pinned is accepted as `unverified` and reported, never silently trusted.
 */
import { concat, u8 } from '../crypto/bytes.js';
import { remoteError } from '../errors.js';
import { isValidUsername } from '../identity/username.js';

export const CREDENTIAL_VERSION = 1;
const KEY_BYTES = 32;

/** The pinned identity key for a username, or undefined if we have none. Pure lookup. */
export type PinLookup = (name: string) => Uint8Array | undefined;

export type KeyState = 'verified' | 'unverified';

export interface MemberCredential {
  readonly name: string;
  readonly identityKey: Uint8Array;
}

export function encodeCredential(name: string, identityKey: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  if (!isValidUsername(name) || nameBytes.length > 255) throw remoteError('GROUP_CREDENTIAL_INVALID', 'the username cannot go in a group credential');
  if (identityKey.length !== KEY_BYTES) throw remoteError('GROUP_CREDENTIAL_INVALID', 'an identity key is 32 bytes');
  return concat(u8(CREDENTIAL_VERSION), u8(nameBytes.length), nameBytes, identityKey);
}

export function decodeCredential(bytes: Uint8Array): MemberCredential {
  const len = bytes[1];
  if (bytes[0] !== CREDENTIAL_VERSION || len === undefined || bytes.length !== 2 + len + KEY_BYTES) {
    throw remoteError('GROUP_CREDENTIAL_INVALID', 'the group credential is not a SecureChat v1 credential');
  }
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(2, 2 + len));
  } catch (e) {
    throw remoteError('GROUP_CREDENTIAL_INVALID', 'the name in a group credential is not UTF-8', e);
  }
  if (!isValidUsername(name)) throw remoteError('GROUP_CREDENTIAL_INVALID', 'the name in a group credential is not a valid username');
  return { name, identityKey: bytes.slice(2 + len) };
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  // Public keys: no secret to protect, but compare every byte anyway.
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return d === 0;
}

/**
 * Checks one member's credential against its MLS signature key and our pins. Throws
 * `GROUP_CREDENTIAL_INVALID` or `GROUP_MEMBER_KEY_CHANGED`; otherwise returns the key state.
 */
export function checkMember(credentialIdentity: Uint8Array, signatureKey: Uint8Array, pins: PinLookup): MemberCredential & { readonly keyState: KeyState } {
  const c = decodeCredential(credentialIdentity);
  if (!sameKey(c.identityKey, signatureKey)) {
    throw remoteError('GROUP_CREDENTIAL_INVALID', `the group credential of ${c.name} is not signed with the key it names`);
  }
  const pinned = pins(c.name);
  if (pinned === undefined) return { ...c, keyState: 'unverified' };
  if (!sameKey(pinned, c.identityKey)) {
    throw remoteError('GROUP_MEMBER_KEY_CHANGED', `${c.name}'s identity key in the group differs from the one pinned for ${c.name}`);
  }
  return { ...c, keyState: 'verified' };
}
