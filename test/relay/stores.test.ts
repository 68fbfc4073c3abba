/**
 * The storage contract, run against every store: memory (the reference), SQLite (a temp
 * file) and NATS JetStream (a real nats-server). Same calls, same answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../../src/crypto/bytes.js';
import { systemRandom } from '../../src/crypto/random.js';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { SqliteStore } from '../../src/relay/sqlite-store.js';
import { NatsStore } from '../../src/relay/nats-store.js';
import type { QueueRecord, RelayStore } from '../../src/relay/store.js';
import { startNats, type Nats } from './_nats.js';
import { waitUntil } from '../_util/wait.js';

const MAX = 3;
const queue = (kind: QueueRecord['kind'] = 'queue'): QueueRecord => ({ kind, recvId: systemRandom(16), sendId: systemRandom(16), recvKey: systemRandom(32), sendKey: systemRandom(32), created: 1 });
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let dir = '';
let nats: Nats | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'securechat-relay-store-'));
  nats = await startNats();
});
after(async () => {
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

const stores: [string, () => Promise<RelayStore>][] = [
  ['memory', () => Promise.resolve(new MemoryStore())],
  ['sqlite', () => SqliteStore.open(join(dir, `r${Math.random()}.db`))],
  ['nats', () => NatsStore.open({ servers: nats!.url, retentionMs: 3_600_000, maxQueueMessages: MAX })],
];

for (const [name, open] of stores) {
  describe(`${name} store`, () => {
    test('queues: records by both ids; append, duplicate, full; fetch after; ack only this queue; take once; delete', async () => {
      const s = await open();
      try {
        const q = queue();
        const other = queue();
        await s.createQueue(q);
        await s.createQueue(other);
        assert.deepEqual(await s.queueByRecv(q.recvId), q);
        assert.deepEqual(await s.queueBySend(q.sendId), q);
        assert.equal(await s.queueByRecv(q.sendId), undefined);
        const id = (n: number): Uint8Array => new Uint8Array(16).fill(n);
        assert.equal(await s.append(q, id(1), utf8('m1'), 10, MAX), 'stored');
        assert.equal(await s.append(q, id(1), utf8('m1'), 11, MAX), 'duplicate');
        assert.equal(await s.append(q, id(2), utf8('m2'), 12, MAX), 'stored');
        assert.equal(await s.append(q, id(3), utf8('m3'), 13, MAX), 'stored');
        assert.equal(await s.append(q, id(4), utf8('m4'), 14, MAX), 'full');
        assert.equal(await s.append(other, id(1), utf8('o1'), 15, MAX), 'stored', 'message ids are per queue');
        const all = await s.fetch(q, 0, 10);
        assert.deepEqual(all.map((m) => text(m.data)), ['m1', 'm2', 'm3']);
        assert.deepEqual(all[0]!.msgId, id(1));
        assert.deepEqual((await s.fetch(q, all[0]!.seq, 1)).map((m) => text(m.data)), ['m2']);
        const [o1] = await s.fetch(other, 0, 10);
        assert.equal(await s.ack(q, o1!.seq), false, "a reader cannot delete another queue's message by its seq");
        assert.equal(await s.ack(q, all[1]!.seq), true);
        assert.deepEqual((await s.fetch(q, 0, 10)).map((m) => text(m.data)), ['m1', 'm3']);
        const takes = await Promise.all([s.take(q), s.take(q), s.take(q)]);
        assert.deepEqual(takes.map((t) => (t === undefined ? null : text(t.data))).sort(), ['m1', 'm3', null].sort());
        await s.deleteQueue(other);
        assert.equal(await s.queueByRecv(other.recvId), undefined);
        assert.equal(await s.queueBySend(other.sendId), undefined);
      } finally {
        await s.close();
      }
    });

    test('group log: append at an expected position, concurrent appends exactly one wins', async () => {
      const s = await open();
      try {
        const l = { logId: systemRandom(16), appendKey: systemRandom(32), readKey: systemRandom(32), created: 1 };
        await s.createLog(l);
        assert.deepEqual(await s.logById(l.logId), l);
        const first = await s.logAppend(l, 0, utf8('e0'), 1, 1_000);
        assert.ok(first.ok);
        assert.deepEqual(await s.logAppend(l, 0, utf8('stale'), 2, 1_000), { ok: false, last: first.position });
        const rs = await Promise.all([1, 2, 3, 4].map((i) => s.logAppend(l, first.position, utf8(`c${i}`), 3, 1_000)));
        assert.equal(rs.filter((r) => r.ok).length, 1, 'one winner');
        const entries = await s.logRead(l, 0, 10);
        assert.equal(entries.length, 2);
        assert.deepEqual(entries.map((e) => e.seq), [first.position, (rs.find((r) => r.ok) as { position: number }).position]);
        if (s.kind !== 'nats') {
          // The entry quota (R2); NATS enforces it as the LOGS stream's per-subject maximum, set when the stream is made.
          const lastPos = entries[1]?.seq ?? 0;
          await assert.rejects(s.logAppend(l, lastPos, utf8('over'), 4, 2), (e: unknown) => (e as { code?: string }).code === 'RELAY_QUOTA');
          assert.equal((await s.logRead(l, 0, 10)).length, 2, 'nothing stored past the quota');
        }
      } finally {
        await s.close();
      }
    });

    test('watch: a new message is announced', async () => {
      const s = await open();
      try {
        const q = queue();
        await s.createQueue(q);
        let n = 0;
        const off = s.watch(q, () => n++);
        await s.append(q, systemRandom(16), utf8('x'), 1, MAX);
        await waitUntil(() => n >= 1, `the ${name} store announcing a message`);
        off();
      } finally {
        await s.close();
      }
    });

    if (name !== 'nats') {
      // JetStream expires by itself (max_age); the two embedded stores sweep on request.
      test('expire: messages, entries and remembered ids older than the limit go', async () => {
        const s = await open();
        try {
          const q = queue();
          await s.createQueue(q);
          const id = new Uint8Array(16).fill(5);
          await s.append(q, id, utf8('old'), 100, MAX);
          await s.append(q, systemRandom(16), utf8('new'), 300, MAX);
          assert.equal(await s.expire(200), 1);
          assert.deepEqual((await s.fetch(q, 0, 10)).map((m) => text(m.data)), ['new']);
          assert.equal(await s.append(q, id, utf8('old again'), 400, MAX), 'stored', 'an id past retention is forgotten too');
        } finally {
          await s.close();
        }
      });
    }
  });
}
