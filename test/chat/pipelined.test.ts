/**
 * Pipelined receive (issue 13): a message's handlers start when it arrives, without waiting
 * for the previous message's, so messages received together are logged by one group commit;
 * receipts still leave in order, each only after its own message's handlers resolved.
 * Both tests fail on the one-message-at-a-time inbox (the handlers would never be in flight
 * together, and every append would be its own commit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import type { Conversation } from '../../src/chat/conversation.js';
import { EventKind } from '../../src/log/event.js';
import { LogWriter, logPaths } from '../../src/log/file.js';
import { party } from './_fixture.js';
import { waitUntil, within } from '../_util/wait.js';

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function pair(onMessage: (c: Conversation, id: number, text: string) => Promise<void>): Promise<{ conv: Conversation; close: () => Promise<void> }> {
  const alice = await party('alice');
  const bob = await party('bob');
  const l = await listen({
    port: 0, account: alice.account, self: alice.self, policy: alice.policy,
    onConversation: (c) => {
      c.on('message', (m) => onMessage(c, m.id, m.text));
    },
  });
  const conv = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
  return {
    conv,
    close: async () => {
      await conv.close();
      await l.close();
    },
  };
}

test('handlers of messages received together run at once; each receipt waits for its own handler, and receipts keep their order', { timeout: 60_000 }, async () => {
  const N = 8;
  const gates = new Map<number, Deferred>();
  const started: number[] = [];
  const { conv, close } = await pair(async (_c, id) => {
    started.push(id);
    const g = deferred();
    gates.set(id, g);
    await g.promise;
  });
  try {
    const receipts: number[] = [];
    conv.on('receipt', (id) => receipts.push(id));
    const ids = Array.from({ length: N }, (_, i) => conv.send(`m${i}`));
    await waitUntil(() => started.length === N, `all ${N} handlers to be in flight at once (pipelined), not one at a time`, { maxMs: 20_000 });
    assert.deepEqual(started, ids, 'handlers start in arrival order');
    assert.deepEqual(receipts, [], 'no receipt before its handler resolved');
    // Message 3's handler finishes first: its receipt waits for 1 and 2.
    gates.get(ids[2] ?? 0)?.resolve();
    gates.get(ids[0] ?? 0)?.resolve();
    await within(conv.waitReceipt(ids[0] ?? 0), 'the receipt of the first message');
    // Receipts travel in order on one stream: had 3's left before 1's, it would be here now.
    assert.deepEqual(receipts, [ids[0]], 'the third message is not receipted while the second is still being handled');
    gates.get(ids[1] ?? 0)?.resolve();
    await within(conv.waitReceipt(ids[2] ?? 0), 'the receipts of the second and third messages');
    assert.deepEqual(receipts, ids.slice(0, 3));
    for (const id of ids.slice(3)) gates.get(id)?.resolve();
    await within(Promise.all(ids.map((id) => conv.waitReceipt(id))), 'every receipt');
    assert.deepEqual(receipts, ids, 'every receipt once, in order');
  } finally {
    await close();
  }
});

test('messages received together are made durable by shared group commits of the log, each receipted after its own append', { timeout: 60_000 }, async () => {
  const N = 50;
  const dir = await mkdtemp(join(tmpdir(), 'securechat-pipelined-'));
  const log = await LogWriter.open({ paths: logPaths(dir), secret: new Uint8Array(32).fill(3) });
  const durable = new Set<string>();
  const { conv, close } = await pair(async (c, id, text) => {
    await log.append({ kind: EventKind.MESSAGE_RECEIVED, at: 1_800_000_000_000, peer: c.info.peer.name, text, id: String(id) });
    durable.add(text);
  });
  try {
    const commits0 = log.commitCount;
    const early: string[] = [];
    conv.on('receipt', (id) => {
      if (!durable.has(`m${id}`)) early.push(`m${id}`);
    });
    const ids = Array.from({ length: N }, (_, i) => conv.send(`m${i + 1}`));
    await within(Promise.all(ids.map((id) => conv.waitReceipt(id))), 'every receipt');
    assert.deepEqual(early, [], 'a receipt arrived before its message was durable');
    const commits = log.commitCount - commits0;
    assert.ok(commits <= N / 2, `${N} messages sent together took ${commits} log commits (one per message without pipelining)`);
  } finally {
    await close();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});
