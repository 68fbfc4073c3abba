/**
 * The relay's commands end to end over its channel (in-process listener, memory store):
 * queues, authorisation, idempotent sends, the group log's one-winner rule, KeyPackage boxes,
 * quotas, rate limits and expiry with an injected clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { startRelay } from './_relay.js';
import { waitUntil } from '../_util/wait.js';

const rejectsWith = async (p: Promise<unknown>, code: string): Promise<void> => {
  await assert.rejects(p, (e: unknown) => isSecureChatError(e) && e.code === code);
};

test('a queue: send, receive, ack; a reader without the key gets nothing', async () => {
  const r = await startRelay(new MemoryStore());
  const bob = await r.connect();
  const alice = await r.connect();
  const eve = await r.connect();
  try {
    const q = await bob.createQueue();
    assert.notDeepEqual(q.recvId, q.sendId, 'the sender id and the reader id differ (they cannot be linked on the wire)');
    assert.equal(await alice.send(q, utf8('one')), 'stored');
    assert.equal(await alice.send(q, utf8('two')), 'stored');
    // Wrong key, unknown id, and a sender's credentials used to read: the same AUTH_FAILED.
    await rejectsWith(eve.receive({ recvId: q.recvId, recvSeed: new Uint8Array(32).fill(7) }), 'AUTH_FAILED');
    await rejectsWith(eve.receive({ recvId: new Uint8Array(16).fill(1), recvSeed: q.recvSeed }), 'AUTH_FAILED');
    await rejectsWith(eve.receive({ recvId: q.sendId, recvSeed: q.sendSeed }), 'AUTH_FAILED');
    await rejectsWith(eve.ack({ recvId: q.recvId, recvSeed: q.sendSeed }, 1), 'AUTH_FAILED');
    await rejectsWith(eve.send({ sendId: q.sendId, sendSeed: q.recvSeed }, utf8('x')), 'AUTH_FAILED');
    const got = await bob.receive(q);
    assert.deepEqual(got.map((m) => new TextDecoder().decode(m.data)), ['one', 'two']);
    assert.equal(await bob.ack(q, got[0]!.seq), true);
    assert.equal(await bob.ack(q, got[0]!.seq), false, 'a second ack finds nothing');
    assert.deepEqual((await bob.receive(q)).map((m) => m.seq), [got[1]!.seq], 'what was acknowledged is deleted');
    assert.ok(eve.open, "eve's refused commands did not cost her the connection");
  } finally {
    await Promise.all([bob.close(), alice.close(), eve.close()]);
    await r.stop();
  }
});

test('a replayed send (same message id) is stored once, also after its ack', async () => {
  const r = await startRelay(new MemoryStore());
  const c = await r.connect();
  try {
    const q = await c.createQueue();
    const id = new Uint8Array(16).fill(9);
    assert.equal(await c.send(q, utf8('hello'), id), 'stored');
    assert.equal(await c.send(q, utf8('hello'), id), 'duplicate');
    const [m] = await c.receive(q);
    await c.ack(q, m!.seq);
    assert.equal(await c.send(q, utf8('hello'), id), 'duplicate');
    assert.equal((await c.receive(q)).length, 0);
  } finally {
    await c.close();
    await r.stop();
  }
});

test('group log: two appends for one position, exactly one wins; the loser learns the new position', async () => {
  const r = await startRelay(new MemoryStore());
  const a = await r.connect();
  const b = await r.connect();
  try {
    const log = await a.createLog();
    const p1 = await a.appendLog(log, 0, utf8('epoch 0 commit'));
    assert.ok(p1.ok);
    const [x, y] = await Promise.all([a.appendLog(log, p1.position, utf8('commit by a')), b.appendLog(log, p1.position, utf8('commit by b'))]);
    assert.equal([x, y].filter((o) => o.ok).length, 1, 'exactly one of the two commits for the epoch is accepted');
    const winner = x.ok ? x : y.ok ? y : assert.fail('no winner');
    const loser = x.ok ? y : x;
    assert.deepEqual(loser, { ok: false, last: winner.position });
    const entries = await b.readLog(log, 0);
    assert.equal(entries.length, 2);
    await rejectsWith(b.readLog({ ...log, readSeed: log.appendSeed }), 'AUTH_FAILED');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await r.stop();
  }
});

test('KeyPackage box: published by its owner, each taken by exactly one adder', async () => {
  const r = await startRelay(new MemoryStore());
  const owner = await r.connect();
  const x = await r.connect();
  const y = await r.connect();
  try {
    const box = await owner.createKeyPackageBox();
    await owner.publishKeyPackage(box, utf8('kp1'));
    await owner.publishKeyPackage(box, utf8('kp2'));
    await rejectsWith(x.publishKeyPackage({ ...box, publishSeed: box.fetchSeed }, utf8('forged')), 'AUTH_FAILED');
    const got = await Promise.all([x.takeKeyPackage(box), y.takeKeyPackage(box), x.takeKeyPackage(box)]);
    assert.deepEqual(got.map((g) => (g === undefined ? null : new TextDecoder().decode(g))).sort(), ['kp1', 'kp2', null].sort());
  } finally {
    await Promise.all([owner.close(), x.close(), y.close()]);
    await r.stop();
  }
});

test('subscribe: the reader is told when a message arrives', async () => {
  const r = await startRelay(new MemoryStore());
  const bob = await r.connect();
  const alice = await r.connect();
  try {
    const q = await bob.createQueue();
    let told = 0;
    await bob.subscribe(q, () => told++);
    await alice.send(q, utf8('ping'));
    await waitUntil(() => told === 1, 'the notification of a new message');
  } finally {
    await Promise.all([bob.close(), alice.close()]);
    await r.stop();
  }
});

test('limits: a full queue is RELAY_QUOTA, too many creates on one connection RELAY_QUOTA, a flood RATE_LIMITED, expiry deletes old messages', async () => {
  let now = 1_000_000;
  const r = await startRelay(new MemoryStore(), { now: () => now, limits: { maxQueueMessages: 2, maxCreatesPerConnection: 2, commandBurst: 6, commandsPerSecond: 1, retentionMs: 60_000 } });
  const c = await r.connect();
  try {
    const q = await c.createQueue();
    await c.send(q, utf8('a'));
    await c.send(q, utf8('b'));
    await rejectsWith(c.send(q, utf8('c')), 'RELAY_QUOTA');
    await rejectsWith(c.createLog().then(() => c.createLog()), 'RELAY_QUOTA');
    await rejectsWith(c.receive(q), 'RATE_LIMITED'); // the 7th command with 6 in the bucket and the clock stopped
    now += 3_600_000; // an hour: the bucket refills, the messages are past retention
    assert.equal(await r.engine.sweep(), 2);
    assert.equal((await c.receive(q)).length, 0);
  } finally {
    await c.close();
    await r.stop();
  }
});
