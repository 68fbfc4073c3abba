/**
 * Small pure pieces of the app's groups (docs/GROUPS.md §11): the application payload inside a
 * group's MLS application messages, the pin lookup over known_peers, and the member view that
 * `group show` and the agent answer with.
 */
import { concat, u8, u64be, utf8 } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { keyFingerprint, formatFingerprint } from '../identity/index.js';
import type { KnownPeers } from '../identity/known-peers.js';
import { members, type MemberView, type PinLookup } from '../group/index.js';
import { Reader } from '../wire/codec.js';
import { MAX_GROUP_TEXT_BYTES, MAX_TEXT_BYTES } from '../limits.js';
import type { GroupRecord } from './groups-store.js';

/** The one payload kind so far: `0x01 || sent_at_ms:u64 || text (UTF-8, 1..MAX_TEXT_BYTES)`. */
export const GROUP_TEXT = 0x01;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function encodeGroupText(text: string, sentAtMs: number): Uint8Array {
  const t = utf8(text);
  if (t.length === 0) throw localError('USAGE', 'the message is empty');
  // Checked before MLS encrypts: G.send moves the sender's ratchet (and wipes the spent key), so a frame too large to carry must never be made.
  if (t.length > MAX_GROUP_TEXT_BYTES) throw localError('GROUP_TOO_LARGE', `a group message can be at most ${MAX_GROUP_TEXT_BYTES} bytes over direct sessions`);
  return concat(u8(GROUP_TEXT), u64be(sentAtMs), t);
}

export function decodeGroupText(b: Uint8Array): { text: string; sentAtMs: number } {
  const r = new Reader(b, 'group payload');
  if (r.u8() !== GROUP_TEXT) throw remoteError('DECODE_ERROR', 'unknown group payload kind');
  const sentAtMs = r.u64();
  const t = r.rest();
  if (t.length === 0 || t.length > MAX_TEXT_BYTES) throw remoteError('DECODE_ERROR', `group text of ${t.length} bytes`);
  try {
    return { text: UTF8.decode(t), sentAtMs };
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'group text is not valid UTF-8', e);
  }
}

/** Pins from known_peers (the keys our 1:1 handshakes pinned), as the group layer asks for them. */
export function pinsOf(known: KnownPeers): PinLookup {
  return (name) => known.peers.get(name)?.key;
}

export type MemberKeyState = 'you' | 'verified' | 'pinned' | 'unverified' | 'changed';

export interface MemberInfo {
  readonly name: string;
  readonly fingerprint: string;
  /** `unverified`: we never pinned this name (needs verification, as in 1:1); `changed`: the pin differs. */
  readonly keyState: MemberKeyState;
  readonly committer: boolean;
}

export interface GroupInfo {
  readonly name: string;
  readonly status: 'active' | 'removed';
  readonly epoch: string;
  readonly committer: string;
  readonly members: readonly MemberInfo[];
}

function stateOf(m: MemberView, self: string, known: KnownPeers): MemberKeyState {
  if (m.name === self) return 'you';
  if (m.keyState !== 'verified') return m.keyState;
  return known.peers.get(m.name)?.verified === true ? 'verified' : 'pinned';
}

export function groupInfo(r: GroupRecord, known: KnownPeers): GroupInfo {
  const g = r.group;
  const list = r.status === 'active' ? members(g, pinsOf(known)) : [];
  return {
    name: r.name,
    status: r.status,
    epoch: String(g.mls.epoch),
    committer: r.hub,
    members: list.map((m) => ({ name: m.name, fingerprint: formatFingerprint(keyFingerprint(m.identityKey)), keyState: stateOf(m, g.self.name, known), committer: m.name === r.hub })),
  };
}
