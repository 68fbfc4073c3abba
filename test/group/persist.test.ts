/**
 * A group stored and loaded goes on as if nothing happened: it decrypts, commits, and still
 * refuses what it had already processed; a pending commit survives; damaged or foreign stored
 * state is STORAGE_ERROR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeMembers, receive, send } from '../../src/group/group.js';
import { decodeGroup, encodeGroup } from '../../src/group/persist.js';
import { deliver, makeUser, pinAll, rejectsWith, suite, text, untext, type Seat } from './_world.js';
import { everyoneTalks, groupOf } from './_groups.js';

test('store and load: messages, replay refusal and a pending commit survive', async () => {
  const users = ['alice', 'bob', 'carol'].map((n) => makeUser(n));
  pinAll(users);
  const seats = await groupOf(83, users[0]!, users.slice(1), 'persist');
  const [a, b, c] = seats as [Seat, Seat, Seat];
  const s = await suite(83);
  const m = await send(a.group, text('before the restart'), a.user.pins);
  a.group = m.group;
  await deliver(m.frame, [b, c]);
  // bob restarts
  b.group = decodeGroup(encodeGroup(b.group), s, b.user.self);
  await rejectsWith(receive(b.group, m.frame, b.user.pins), 'GROUP_REPLAY', 'after reload');
  const m2 = await send(a.group, text('after the restart'), a.user.pins);
  a.group = m2.group;
  const [e] = await deliver(m2.frame, [b, c]);
  assert.ok(e?.kind === 'message' && untext(e.plaintext) === 'after the restart');
  // alice restarts with a commit pending; it comes back accepted
  const r = await changeMembers(a.group, { add: [], remove: ['carol'] }, a.user.pins);
  a.group = decodeGroup(encodeGroup(r.group), s, a.user.self);
  assert.ok(a.group.pending !== undefined);
  const [ea] = await deliver(r.commit!.frame, [a]);
  assert.equal(ea?.kind, 'commit');
  await deliver(r.commit!.frame, [b, c]);
  await everyoneTalks([a, b], 'after both restarts');
});

test('damaged or foreign stored state is STORAGE_ERROR', async () => {
  const users = ['alice', 'bob'].map((n) => makeUser(n));
  pinAll(users);
  const [a] = (await groupOf(1, users[0]!, [users[1]!], 'persist-bad')) as [Seat, Seat];
  const s1 = await suite(1);
  const good = encodeGroup(a.group);
  const doc = JSON.parse(new TextDecoder().decode(good)) as Record<string, unknown>;
  const variant = (patch: Record<string, unknown>): Uint8Array => new TextEncoder().encode(JSON.stringify({ ...doc, ...patch }));
  const cases: [string, () => unknown][] = [
    ['not JSON', () => decodeGroup(new TextEncoder().encode('{'), s1, a.user.self)],
    ['version 2', () => decodeGroup(variant({ version: 2 }), s1, a.user.self)],
    ['another suite', async () => decodeGroup(good, await suite(83), a.user.self)],
    ['mls truncated', () => decodeGroup(variant({ mls: String(doc['mls']).slice(0, 40) }), s1, a.user.self)],
    ['someone else loading it', () => decodeGroup(good, s1, users[1]!.self)],
    ['bad ordering', () => decodeGroup(variant({ ordering: { mode: 'anarchy' } }), s1, a.user.self)],
  ];
  for (const [what, f] of cases) await rejectsWith(Promise.resolve().then(f), 'STORAGE_ERROR', what);
  assert.equal(decodeGroup(good, s1, a.user.self).mls.epoch, a.group.mls.epoch);
});
