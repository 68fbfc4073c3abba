/**
 * Hostile or broken input to a member, each with its exact code and the member's state
 * unchanged afterwards: tampered messages (every byte flipped), replays (with and without our
 * replay window), a commit from a member who is not the committer, a changed identity key
 * refused against the pin, a message for another group or epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeMembers, joinGroup, newKeyPackage, ownCommitAccepted, receive, send, type Group } from '../../src/group/group.js';
import { decodeGroupFrame, encodeGroupFrame } from '../../src/group/frame.js';
import { mlsPropose } from '../../src/group/mls.js';
import { deliver, makeUser, pinAll, rejectsWith, suite, text, untext, type Seat, type User } from './_world.js';
import { everyoneTalks, groupOf } from './_groups.js';

/** Offset of the ciphertext<V> field of an mls_private_message inside a group frame. */
function ciphertextStart(frame: Uint8Array): number {
  let p = 2 + 4; // our version+kind, then MLS version + wire format
  const skipV = (): void => {
    const b = frame[p]!;
    const len = b >> 6 === 0 ? b : b >> 6 === 1 ? ((b & 0x3f) << 8) | frame[p + 1]! : ((b & 0x3f) << 24) | (frame[p + 1]! << 16) | (frame[p + 2]! << 8) | frame[p + 3]!;
    p += (b >> 6 === 0 ? 1 : b >> 6 === 1 ? 2 : 4) + len;
  };
  skipV(); // group_id
  p += 8 + 1; // epoch, content_type
  skipV(); // authenticated_data
  skipV(); // encrypted_sender_data
  const b = frame[p]!;
  return p + (b >> 6 === 0 ? 1 : b >> 6 === 1 ? 2 : 4);
}

async function codeOf(g: Group, frame: Uint8Array, u: User): Promise<string> {
  try {
    await receive(g, frame, u.pins);
    return 'accepted';
  } catch (e) {
    return (e as { code?: string }).code ?? `not a SecureChatError: ${String(e)}`;
  }
}

const ALLOWED = new Set(['UNSUPPORTED_VERSION', 'DECODE_ERROR', 'GROUP_WRONG_GROUP', 'GROUP_WRONG_EPOCH', 'GROUP_AUTH_FAILED']);

test('a tampered application message: every byte flipped is refused, GROUP_AUTH_FAILED inside the ciphertext, state unchanged', async () => {
  const users = ['alice', 'bob'].map((n) => makeUser(n));
  pinAll(users);
  const [a, b] = (await groupOf(83, users[0]!, [users[1]!], 'tamper')) as [Seat, Seat];
  const m = await send(a.group, text('hello bob'), a.user.pins);
  const start = ciphertextStart(m.frame);
  assert.ok(start > 10 && start < m.frame.length - 16);
  for (let i = 0; i < m.frame.length; i++) {
    const bad = m.frame.slice();
    bad[i]! ^= 0x01;
    const code = await codeOf(b.group, bad, b.user);
    if (i === 0) assert.equal(code, 'UNSUPPORTED_VERSION', `byte ${i}`);
    else if (i >= start) assert.equal(code, 'GROUP_AUTH_FAILED', `byte ${i} (ciphertext)`);
    else assert.ok(ALLOWED.has(code), `byte ${i}: ${code}`);
  }
  // nothing changed: the genuine message still decrypts, once
  const [e] = await deliver(m.frame, [b]);
  assert.ok(e?.kind === 'message' && untext(e.plaintext) === 'hello bob');
});

test('a tampered commit is refused with GROUP_AUTH_FAILED and the genuine one still applies', async () => {
  const users = ['alice', 'bob', 'carol'].map((n) => makeUser(n));
  pinAll(users);
  const [a, b, c] = (await groupOf(83, users[0]!, users.slice(1), 'tamper-commit')) as [Seat, Seat, Seat];
  const r = await changeMembers(a.group, { add: [], remove: ['carol'] }, a.user.pins);
  a.group = ownCommitAccepted(r.group, a.user.pins).group;
  const start = ciphertextStart(r.commit!.frame);
  for (const i of [start, start + 7, r.commit!.frame.length - 1]) {
    const bad = r.commit!.frame.slice();
    bad[i]! ^= 0x80;
    await rejectsWith(receive(b.group, bad, b.user.pins), 'GROUP_AUTH_FAILED', `commit byte ${i}`);
  }
  const [eb, ec] = await deliver(r.commit!.frame, [b, c]);
  assert.equal(eb?.kind, 'commit');
  assert.equal(ec?.kind, 'removed');
  assert.equal(b.group.mls.epoch, a.group.mls.epoch);
});

test('replays: an application message, a proposal and a commit each refused with GROUP_REPLAY', async () => {
  const users = ['alice', 'bob', 'carol'].map((n) => makeUser(n));
  pinAll(users);
  const [a, b, c] = (await groupOf(83, users[0]!, users.slice(1), 'replay')) as [Seat, Seat, Seat];
  const m = await send(b.group, text('once'), b.user.pins);
  b.group = m.group;
  await deliver(m.frame, [a]);
  await rejectsWith(receive(a.group, m.frame, a.user.pins), 'GROUP_REPLAY', 'app message again');
  await rejectsWith(receive(b.group, m.frame, b.user.pins), 'GROUP_REPLAY', 'our own message echoed back');
  // without our window (a state restored from before the window existed): MLS itself refuses,
  // the message key of that generation is spent
  await rejectsWith(receive({ ...a.group, seen: new Set() }, m.frame, a.user.pins), 'GROUP_REPLAY', 'app message, empty window');
  // a proposal
  const s = await suite(83);
  const kp = await newKeyPackage(s, makeUser('dave').self);
  a.user.pinned.set('dave', makeUser('dave').self.identityKey);
  const p = await changeMembers(c.group, { add: [kp.frame], remove: [] }, { ...c.user, pins: (n: string) => (n === 'dave' ? makeUser('dave').self.identityKey : c.user.pins(n)) }.pins);
  c.group = p.group;
  await deliver(p.proposals[0]!, [a, b]);
  await rejectsWith(receive(a.group, p.proposals[0]!, a.user.pins), 'GROUP_REPLAY', 'proposal again');
  await rejectsWith(receive({ ...a.group, seen: new Set() }, p.proposals[0]!, a.user.pins), 'GROUP_REPLAY', 'proposal, empty window');
  // a commit, after it was applied
  const r = await changeMembers(a.group, { add: [], remove: ['carol'] }, a.user.pins);
  a.group = ownCommitAccepted(r.group, a.user.pins).group;
  await deliver(r.commit!.frame, [b]);
  await rejectsWith(receive(b.group, r.commit!.frame, b.user.pins), 'GROUP_REPLAY', 'commit again');
  await rejectsWith(receive({ ...b.group, seen: new Set() }, r.commit!.frame, b.user.pins), 'GROUP_WRONG_EPOCH', 'commit, empty window: an old epoch');
  await everyoneTalks([a, b], 'after replays');
});

test('a commit from a member who is not the designated committer is refused; so is one for another group or epoch', async () => {
  const users = ['alice', 'bob', 'carol'].map((n) => makeUser(n));
  pinAll(users);
  const [a, b, c] = (await groupOf(83, users[0]!, users.slice(1), 'rogue')) as [Seat, Seat, Seat];
  // bob pretends to be a committer (a sequenced client in a committer-mode group)
  const rogue = await changeMembers({ ...b.group, ordering: { mode: 'sequenced' } }, { add: [], remove: ['carol'] }, b.user.pins);
  assert.ok(rogue.commit !== undefined);
  await rejectsWith(receive(a.group, rogue.commit.frame, a.user.pins), 'GROUP_COMMIT_REFUSED', 'alice');
  await rejectsWith(receive(c.group, rogue.commit.frame, c.user.pins), 'GROUP_COMMIT_REFUSED', 'carol');
  // in committer mode a member may not remove someone else: refused locally, and by everyone
  // when a (modified) client proposes it anyway
  await rejectsWith(changeMembers(b.group, { add: [], remove: ['carol'] }, b.user.pins), 'GROUP_COMMIT_REFUSED', 'bob removing carol');
  const p = await mlsPropose(b.group.suite, b.group.mls, { kind: 'remove', leaf: c.group.mls.ownLeaf }, () => undefined);
  const frame = encodeGroupFrame('message', p.message);
  await rejectsWith(receive(a.group, frame, a.user.pins), 'GROUP_COMMIT_REFUSED', 'alice: a proposal to remove carol from bob');
  await rejectsWith(receive(c.group, frame, c.user.pins), 'GROUP_COMMIT_REFUSED', 'carol: the same');
  // another group
  const [x] = (await groupOf(83, users[0]!, [users[1]!], 'other group')) as [Seat];
  const other = await send(x.group, text('elsewhere'), x.user.pins);
  await rejectsWith(receive(c.group, other.frame, c.user.pins), 'GROUP_WRONG_GROUP', 'another group');
  // a commit of a past epoch (alice committed twice, carol missed the first)
  const r1 = await changeMembers(a.group, { add: [], remove: [] }, a.user.pins);
  a.group = ownCommitAccepted(r1.group, a.user.pins).group;
  const r2 = await changeMembers(a.group, { add: [], remove: [] }, a.user.pins);
  a.group = ownCommitAccepted(r2.group, a.user.pins).group;
  await rejectsWith(receive(c.group, r2.commit!.frame, c.user.pins), 'GROUP_WRONG_EPOCH', 'a future commit');
  await deliver(r1.commit!.frame, [b, c]);
  await deliver(r2.commit!.frame, [b, c]);
  await everyoneTalks([a, b, c], 'still one group');
});

test("a member's changed identity key is refused against the pin: in a commit, in a Welcome, in a KeyPackage", async () => {
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((n) => makeUser(n)) as [User, User, User];
  pinAll([alice, bob, carol]);
  const [a, b, c] = (await groupOf(83, alice, [bob, carol], 'key change')) as [Seat, Seat, Seat];
  const newBob = makeUser('bob', 'bob reinstalled');
  const s = await suite(83);
  // alice still pins bob's old key: his new KeyPackage is refused before anything is sent
  const kp = await newKeyPackage(s, newBob.self);
  await rejectsWith(changeMembers(a.group, { add: [kp.frame], remove: ['bob'] }, alice.pins), 'GROUP_MEMBER_KEY_CHANGED', 'alice adding new bob');
  // alice verified the new key (say, by safety number) and swaps bob; carol has not
  alice.pinned.set('bob', newBob.self.identityKey);
  const r = await changeMembers(a.group, { add: [kp.frame], remove: ['bob'] }, alice.pins);
  a.group = ownCommitAccepted(r.group, alice.pins).group;
  const before = c.group;
  await rejectsWith(receive(c.group, r.commit!.frame, carol.pins), 'GROUP_MEMBER_KEY_CHANGED', 'carol');
  assert.equal(c.group, before);
  assert.equal(c.group.mls.epoch, 1n);
  // a joiner who pins bob's old key refuses a Welcome whose tree holds the new one
  const dave = makeUser('dave');
  dave.pinned.set('bob', bob.self.identityKey);
  alice.pinned.set('dave', dave.self.identityKey);
  const dkp = await newKeyPackage(s, dave.self);
  const r2 = await changeMembers(a.group, { add: [dkp.frame], remove: [] }, alice.pins);
  await rejectsWith(joinGroup({ suite: s, self: dave.self, welcome: r2.commit!.welcome!, keyPackage: dkp.keyPackage, pins: dave.pins }), 'GROUP_MEMBER_KEY_CHANGED', 'dave joining');
  // once carol verifies the new key too, the same commit applies
  carol.pinned.set('bob', newBob.self.identityKey);
  const [ec] = await deliver(r.commit!.frame, [c]);
  assert.ok(ec?.kind === 'commit' && ec.added[0]?.name === 'bob' && ec.removed[0]?.name === 'bob');
  void b;
});

test('frames that are not messages, or not MLS, are refused by receive with DECODE_ERROR', async () => {
  const users = ['alice', 'bob'].map((n) => makeUser(n));
  pinAll(users);
  const [, b] = (await groupOf(1, users[0]!, [users[1]!], 'decode')) as [Seat, Seat];
  const kp = await newKeyPackage(await suite(1), users[0]!.self);
  assert.equal(decodeGroupFrame(kp.frame).kind, 'key_package');
  await rejectsWith(receive(b.group, kp.frame, b.user.pins), 'DECODE_ERROR', 'a key package');
  await rejectsWith(receive(b.group, Uint8Array.of(1, 1, 0, 1), b.user.pins), 'DECODE_ERROR', 'garbage');
  await rejectsWith(receive(b.group, Uint8Array.of(2, 1, 0, 1, 0, 2), b.user.pins), 'UNSUPPORTED_VERSION', 'version 2');
});
