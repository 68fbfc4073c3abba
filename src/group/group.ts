/**
 * The group state machine (docs/GROUPS.md §5–6). Pure apart from the randomness ts-mls cannot
 * take as a parameter (see mls.ts): no sockets, files or clock. Every function takes a `Group`
 * and returns a new one; the `Group` passed in is never changed, so a call that throws leaves
 * the caller with the state it had ("check on copies, commit at the end"). Spent MLS secrets
 * are wiped only once the new state is the one returned.
 *
 * | call                | committer mode, committer | committer mode, member | sequenced mode |
 * |---------------------|---------------------------|------------------------|----------------|
 * | changeMembers       | pending commit (+Welcome) | proposals (adds; removing others is GROUP_COMMIT_REFUSED) | pending commit |
 * | commitProposals     | pending commit            | GROUP_COMMIT_REFUSED   | pending commit |
 * | leave               | GROUP_COMMIT_REFUSED      | remove-self proposal   | proposal       |
 * | ownCommitAccepted   | applies the pending commit (the caller is the ordering point or the DS said yes) |
 * | ownCommitRejected   | drops it and returns the change to send again in the next epoch |
 * | receive             | see `receive`                                                     |
 */
import { sha256 } from '../crypto/hash.js';
import { toHex } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import type { RandomSource } from '../crypto/random.js';
import { usernameKey } from '../identity/username.js';
import { checkMember, encodeCredential, type PinLookup } from './credential.js';
import { decodeGroupFrame, encodeGroupFrame } from './frame.js';
import { membersOf, membershipDiff, memberView, type MemberView } from './members.js';
import {
  MlsKeyPackage,
  MlsSuite,
  keyPackageLeaf,
  mlsCommit,
  mlsCreateGroup,
  mlsEncrypt,
  mlsJoin,
  mlsProcess,
  mlsPropose,
  wipeSpent,
  type CredentialCheck,
  type GroupSuiteId,
  type MlsGroupState,
  type MlsSigner,
  type Spent,
} from './mls.js';
import { CREATOR_COMMITS, type Ordering } from './ordering.js';
import { GROUP_REPLAY_WINDOW } from './limits.js';

export interface GroupSelf {
  readonly name: string;
  /** Ed25519 identity seed (secret): also the MLS signature key. */
  readonly identitySeed: Uint8Array;
  readonly identityKey: Uint8Array;
}

export interface GroupChange {
  /** KeyPackage frames (kind key_package) of the people to add. */
  readonly add: readonly Uint8Array[];
  /** Names of the members to remove. */
  readonly remove: readonly string[];
}

export interface PendingCommit {
  readonly epoch: bigint;
  readonly change: GroupChange;
  readonly frame: Uint8Array;
  readonly welcome: Uint8Array | undefined;
  readonly digest: string;
  readonly next: MlsGroupState;
  readonly spent: Spent;
}

export interface Group {
  readonly suite: MlsSuite;
  readonly mls: MlsGroupState;
  readonly self: GroupSelf;
  readonly ordering: Ordering;
  readonly pending: PendingCommit | undefined;
  /** Digests of frames already processed, oldest first (GROUP_REPLAY). */
  readonly seen: ReadonlySet<string>;
}

export type GroupEvent =
  | { readonly kind: 'message'; readonly from: MemberView; readonly plaintext: Uint8Array }
  | { readonly kind: 'proposal'; readonly from: MemberView | undefined }
  | { readonly kind: 'commit'; readonly epoch: bigint; readonly added: readonly MemberView[]; readonly removed: readonly MemberView[]; readonly rebase: GroupChange | undefined }
  | { readonly kind: 'removed'; readonly epoch: bigint };

const checkWith =
  (pins: PinLookup): CredentialCheck =>
  (cred, key) => {
    checkMember(cred, key, pins);
  };

const signer = (self: GroupSelf): MlsSigner => ({ credentialIdentity: encodeCredential(self.name, self.identityKey), identitySeed: self.identitySeed, identityKey: self.identityKey });

const digestOf = (mls: Uint8Array): string => toHex(sha256(mls));

function remember(seen: ReadonlySet<string>, d: string): ReadonlySet<string> {
  const next = new Set(seen);
  next.add(d);
  for (const old of next) {
    if (next.size <= GROUP_REPLAY_WINDOW) break;
    next.delete(old);
  }
  return next;
}

export async function loadSuite(id: GroupSuiteId, random: RandomSource): Promise<MlsSuite> {
  return MlsSuite.load(id, random);
}

/** A fresh KeyPackage for `self`: keep `keyPackage` (secret half) until the Welcome arrives; publish `frame`. */
export async function newKeyPackage(suite: MlsSuite, self: GroupSelf): Promise<{ keyPackage: MlsKeyPackage; frame: Uint8Array }> {
  const keyPackage = await MlsKeyPackage.generate(suite, signer(self));
  return { keyPackage, frame: encodeGroupFrame('key_package', keyPackage.publicBytes) };
}

export interface CreateParams {
  readonly suite: MlsSuite;
  readonly self: GroupSelf;
  /** 32 random bytes from the caller's RandomSource. */
  readonly groupId: Uint8Array;
  readonly pins: PinLookup;
  readonly ordering?: Ordering;
}

export async function createGroup(p: CreateParams): Promise<Group> {
  const kp = await MlsKeyPackage.generate(p.suite, signer(p.self));
  const mls = await mlsCreateGroup(p.suite, p.groupId, kp, checkWith(p.pins));
  return { suite: p.suite, mls, self: p.self, ordering: p.ordering ?? CREATOR_COMMITS, pending: undefined, seen: new Set() };
}

export interface JoinParams {
  readonly suite: MlsSuite;
  readonly self: GroupSelf;
  readonly welcome: Uint8Array;
  readonly keyPackage: MlsKeyPackage;
  readonly pins: PinLookup;
  readonly ordering?: Ordering;
}

/** Joins from a Welcome frame. Every member's credential is checked against `pins`. */
export async function joinGroup(p: JoinParams): Promise<{ group: Group; members: readonly MemberView[] }> {
  const f = decodeGroupFrame(p.welcome);
  if (f.kind !== 'welcome') throw remoteError('DECODE_ERROR', `expected a welcome frame, got ${f.kind}`);
  const mls = await mlsJoin(p.suite, f.mls, p.keyPackage, checkWith(p.pins));
  const members = membersOf(mls, p.pins);
  p.keyPackage.wipeInitKey();
  return { group: { suite: p.suite, mls, self: p.self, ordering: p.ordering ?? CREATOR_COMMITS, pending: undefined, seen: new Set() }, members };
}

export function members(g: Group, pins: PinLookup): readonly MemberView[] {
  return membersOf(g.mls, pins);
}

const mayCommit = (g: Group): boolean => g.ordering.mode === 'sequenced' || g.ordering.committerLeaf === g.mls.ownLeaf;

function leafOf(g: Group, name: string, pins: PinLookup): number {
  const m = membersOf(g.mls, pins).find((x) => usernameKey(x.name) === usernameKey(name));
  if (m === undefined) throw localError('UNKNOWN_USER', `${name} is not a member of this group`);
  return m.leaf;
}

function keyPackageBytes(frame: Uint8Array, g: Group, pins: PinLookup, removing: readonly string[]): Uint8Array {
  const f = decodeGroupFrame(frame);
  if (f.kind !== 'key_package') throw remoteError('DECODE_ERROR', `expected a key_package frame, got ${f.kind}`);
  const leaf = keyPackageLeaf(f.mls);
  const who = checkMember(leaf.credentialIdentity, leaf.signatureKey, pins);
  const same = (n: string): boolean => usernameKey(n) === usernameKey(who.name);
  if (!removing.some(same) && membersOf(g.mls, pins).some((m) => same(m.name))) throw localError('GROUP_CREDENTIAL_INVALID', `${who.name} is already a member of this group`);
  return f.mls;
}

function needActive(g: Group): void {
  if (!g.mls.active) throw localError('GROUP_NOT_MEMBER', 'we are no longer a member of this group');
}

export interface ChangeResult {
  readonly group: Group;
  /** Our commit, to hand to the ordering point; applied only by `ownCommitAccepted`. */
  readonly commit: { readonly frame: Uint8Array; readonly welcome: Uint8Array | undefined } | undefined;
  /** Proposals, when we may not commit: send them to the group (the committer commits them). */
  readonly proposals: readonly Uint8Array[];
}

/** Adds and removes members: a pending commit if we may commit, proposals otherwise. */
export async function changeMembers(g: Group, change: GroupChange, pins: PinLookup): Promise<ChangeResult> {
  needActive(g);
  if (g.pending !== undefined) throw localError('GROUP_PENDING_COMMIT', 'a commit of ours is waiting to be accepted');
  const add = change.add.map((f) => keyPackageBytes(f, g, pins, change.remove));
  const remove = change.remove.map((n) => leafOf(g, n, pins));
  const check = checkWith(pins);
  if (!mayCommit(g)) {
    if (g.ordering.mode === 'committer' && remove.some((leaf) => leaf !== g.mls.ownLeaf)) {
      throw localError('GROUP_COMMIT_REFUSED', 'only the creator removes other members of this group; you can leave it');
    }
    let mls = g.mls;
    let seen = g.seen;
    const proposals: Uint8Array[] = [];
    const spent: Uint8Array[] = [];
    for (const p of [...add.map((keyPackage) => ({ kind: 'add' as const, keyPackage })), ...remove.map((leaf) => ({ kind: 'remove' as const, leaf }))]) {
      const r = await mlsPropose(g.suite, mls, p, check);
      mls = r.state;
      spent.push(...r.spent);
      seen = remember(seen, digestOf(r.message));
      proposals.push(encodeGroupFrame('message', r.message));
    }
    wipeSpent(spent);
    return { group: { ...g, mls, seen }, commit: undefined, proposals };
  }
  const r = await mlsCommit(g.suite, g.mls, { add, remove }, check);
  const frame = encodeGroupFrame('message', r.commit);
  const welcome = r.welcome === undefined ? undefined : encodeGroupFrame('welcome', r.welcome);
  const pending: PendingCommit = { epoch: g.mls.epoch, change, frame, welcome, digest: digestOf(r.commit), next: r.state, spent: r.spent };
  return { group: { ...g, pending }, commit: { frame, welcome }, proposals: [] };
}

/** The committer commits every proposal it has received (e.g. a member's leave). */
export async function commitProposals(g: Group, pins: PinLookup): Promise<ChangeResult> {
  if (!mayCommit(g)) throw localError('GROUP_COMMIT_REFUSED', 'only the designated committer commits in this group');
  return changeMembers(g, { add: [], remove: [] }, pins);
}

/** Leaving is a proposal to remove ourselves (RFC 9420 §12.1.3): the committer commits it. */
export async function leave(g: Group, pins: PinLookup): Promise<{ group: Group; proposal: Uint8Array }> {
  needActive(g);
  if (g.ordering.mode === 'committer' && g.ordering.committerLeaf === g.mls.ownLeaf) {
    throw localError('GROUP_COMMIT_REFUSED', 'the designated committer cannot leave a group without a relay; remove the others instead');
  }
  const r = await mlsPropose(g.suite, g.mls, { kind: 'remove', leaf: g.mls.ownLeaf }, checkWith(pins));
  wipeSpent(r.spent);
  return { group: { ...g, mls: r.state, seen: remember(g.seen, digestOf(r.message)) }, proposal: encodeGroupFrame('message', r.message) };
}

/** Our pending commit was accepted (by us as committer, or by the DS): apply it. */
export function ownCommitAccepted(g: Group, pins: PinLookup): { group: Group; event: GroupEvent } {
  const p = g.pending;
  if (p === undefined) throw localError('INTERNAL', 'no pending commit to apply');
  const before = membersOf(g.mls, pins);
  const after = membersOf(p.next, pins);
  wipeSpent(p.spent);
  const { added, removed } = membershipDiff(before, after);
  return { group: { ...g, mls: p.next, pending: undefined, seen: remember(g.seen, p.digest) }, event: { kind: 'commit', epoch: p.next.epoch, added, removed, rebase: undefined } };
}

/** Our pending commit lost (another commit was accepted for its epoch): drop it, keep its change. */
export function ownCommitRejected(g: Group): { group: Group; change: GroupChange } {
  const p = g.pending;
  if (p === undefined) throw localError('INTERNAL', 'no pending commit to drop');
  return { group: { ...g, pending: undefined }, change: p.change };
}

export async function send(g: Group, plaintext: Uint8Array, pins: PinLookup): Promise<{ group: Group; frame: Uint8Array }> {
  needActive(g);
  const r = await mlsEncrypt(g.suite, g.mls, plaintext, checkWith(pins));
  wipeSpent(r.spent);
  // Our own message echoed back (by a relay) is then a plain GROUP_REPLAY.
  return { group: { ...g, mls: r.state, seen: remember(g.seen, digestOf(r.message)) }, frame: encodeGroupFrame('message', r.message) };
}

/**
 * Processes one incoming message frame, in the order the ordering point delivered them.
 * Refusals, each with the group unchanged: `DECODE_ERROR` / `UNSUPPORTED_VERSION` /
 * `FRAME_TOO_LARGE` (framing), `GROUP_WRONG_GROUP`, `GROUP_REPLAY` (a frame already processed,
 * or a message key already used), `GROUP_NOT_MEMBER`, `GROUP_WRONG_EPOCH`, `GROUP_COMMIT_REFUSED`
 * (a commit from someone other than the designated committer), `GROUP_CREDENTIAL_INVALID` /
 * `GROUP_MEMBER_KEY_CHANGED` (a member added or updated whose credential fails our pins),
 * `GROUP_AUTH_FAILED` (anything that does not decrypt or verify: a tampered message).
 *
 * Our own commit coming back from the DS counts as its acceptance. Someone else's commit for
 * the epoch of our pending commit means ours lost: it is dropped and returned as `rebase`.
 */
export async function receive(g: Group, bytes: Uint8Array, pins: PinLookup): Promise<{ group: Group; event: GroupEvent }> {
  const f = decodeGroupFrame(bytes);
  if (f.kind !== 'message') throw remoteError('DECODE_ERROR', `expected a message frame, got ${f.kind}`);
  const h = f.header;
  const id = g.mls.groupId;
  if (h.groupId === undefined || h.epoch === undefined || h.groupId.length !== id.length || !h.groupId.every((x, i) => x === id[i])) {
    throw remoteError('GROUP_WRONG_GROUP', 'the message is for another group');
  }
  const digest = digestOf(f.mls);
  if (g.seen.has(digest)) throw remoteError('GROUP_REPLAY', 'this group message was already processed');
  if (g.pending !== undefined && digest === g.pending.digest) return ownCommitAccepted(g, pins);
  needActive(g);
  const epoch = g.mls.epoch;
  if (h.contentType === 'application' ? h.epoch > epoch : h.epoch !== epoch) {
    throw remoteError('GROUP_WRONG_EPOCH', `a ${h.contentType ?? 'group'} message for epoch ${h.epoch}, we are at epoch ${epoch}`);
  }
  let refused: string | undefined;
  const r = await mlsProcess(g.suite, g.mls, f.mls, checkWith(pins), (incoming) => {
    if (g.ordering.mode !== 'committer') return 'accept';
    if (incoming.kind === 'commit' && incoming.senderLeaf !== g.ordering.committerLeaf) refused = 'a commit from a member who is not the designated committer';
    // In committer mode only the creator removes others; a member may propose only its own removal (leave).
    const p = incoming.kind === 'proposal' ? incoming.proposal : undefined;
    if (p?.type === 'remove' && p.senderLeaf !== g.ordering.committerLeaf && p.removedLeaf !== p.senderLeaf) refused = 'a member proposed to remove someone else';
    return refused === undefined ? 'accept' : 'reject';
  });
  if (refused !== undefined) throw remoteError('GROUP_COMMIT_REFUSED', refused);
  const seen = remember(g.seen, digest);
  if (r.kind === 'application') {
    const from = memberView(r.sender, pins);
    wipeSpent(r.spent);
    return { group: { ...g, mls: r.state, seen }, event: { kind: 'message', from, plaintext: r.plaintext } };
  }
  if (h.contentType === 'proposal') {
    wipeSpent(r.spent);
    return { group: { ...g, mls: r.state, seen }, event: { kind: 'proposal', from: undefined } };
  }
  // A commit: check the new member list before keeping it (names unique, credentials decode).
  const before = membersOf(g.mls, pins);
  if (!r.state.active) {
    wipeSpent(r.spent);
    return { group: { ...g, mls: r.state, pending: undefined, seen }, event: { kind: 'removed', epoch: r.state.epoch } };
  }
  const after = membersOf(r.state, pins);
  wipeSpent(r.spent);
  const { added, removed } = membershipDiff(before, after);
  const rebase = g.pending?.change;
  return { group: { ...g, mls: r.state, pending: undefined, seen }, event: { kind: 'commit', epoch: r.state.epoch, added, removed, rebase } };
}
