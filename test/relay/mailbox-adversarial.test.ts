/**
 * The offline path against a hostile relay (docs/RELAY.md §10.3), in process over a real relay
 * listener on 127.0.0.1: alice's and bob's mailboxes (src/app/relay-mailbox.ts) meet through a
 * stand-in direct conversation (MAILBOX offers both ways), then bob's connection to the relay
 * goes through a wrapper that alters, replays or reorders what FETCH returns. Each is refused
 * with its exact code and never shown; honest messages still arrive once, with their receipts
 * back to alice; a read without the queue key is refused by the relay; the queues end empty.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex } from '../../src/crypto/bytes.js';
import { systemRandom } from '../../src/crypto/random.js';
import { isSecureChatError } from '../../src/errors.js';
import { userDir } from '../../src/identity/home.js';
import type { Conversation } from '../../src/chat/conversation.js';
import type { Feed } from '../../src/app/listening.js';
import type { OutboxEntry } from '../../src/app/outbox.js';
import { RelayMailboxes, type RelayLink } from '../../src/app/relay-mailbox.js';
import { saveRelayUse, type RelayEndpoint } from '../../src/app/relay-state.js';
import { RelayClient, type RelayMessage } from '../../src/relay/client.js';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { MAILBOX_KIND, type MailboxOffer } from '../../src/relay/mailbox-offer.js';
import { cleanup, tempDir } from '../cli/_harness.js';
import { waitUntilAsync } from '../_util/wait.js';
import { startRelay } from './_relay.js';

after(cleanup);

type Tamper = (items: RelayMessage[]) => RelayMessage[];

function wrap(c: RelayClient, tamper: () => Tamper): RelayLink {
  return {
    get open() {
      return c.open;
    },
    createQueue: () => c.createQueue(),
    send: (to, data, id) => c.send(to, data, id),
    receive: async (q, a, m) => tamper()(await c.receive(q, a, m)),
    ack: (q, seq) => c.ack(q, seq),
    subscribe: (q, fn) => c.subscribe(q, fn),
    close: () => c.close(),
  };
}

test('a relay that alters, replays or reorders is refused with the exact code; honest messages arrive once with receipts; no read without the queue key', { timeout: 60_000 }, async () => {
  const relay = await startRelay(new MemoryStore());
  const home = await tempDir();
  const endpoint: RelayEndpoint = { host: '127.0.0.1', port: relay.server.port, key: relay.key.pub };
  for (const u of ['alice', 'bob']) {
    await mkdir(userDir(home, u), { recursive: true });
    await saveRelayUse(userDir(home, u), endpoint);
  }
  const shown: string[] = [];
  const receipts: string[] = [];
  const codes: Record<string, string[]> = { alice: [], bob: [] };
  const feed = (user: string): Feed => ({
    status: () => undefined,
    line: () => undefined,
    warn: (_t, e) => {
      const c = e?.['code'];
      codes[user]?.push(typeof c === 'string' ? c : '?');
    },
  });
  let tamper: Tamper = (x) => x;
  const connect = (bobSide: boolean) => async (e: RelayEndpoint): Promise<RelayLink> => {
    const c = await RelayClient.connect({ host: e.host, port: e.port, relayKey: e.key });
    return bobSide ? wrap(c, () => tamper) : c;
  };
  const common = { home, feed, pollMs: 3_600_000 };
  const A = new RelayMailboxes({ ...common, receive: () => Promise.resolve(true), receipt: (_as, _p, id) => receipts.push(id), connect: connect(false) });
  const B = new RelayMailboxes({ ...common, receive: (_as, _p, _id, text) => { shown.push(text); return Promise.resolve(true); }, receipt: () => undefined, connect: connect(true) });

  // A direct meeting, stood in for: each side's offer reaches the other's 'mailbox' handlers.
  const handlers: Record<string, ((m: MailboxOffer & { kind: typeof MAILBOX_KIND; id: number }) => void)[]> = { alice: [], bob: [] };
  const conv = (me: string, peer: string): Conversation => ({
    info: { peer: { name: peer } },
    isOpen: true,
    on(ev: string, fn: (m: MailboxOffer & { kind: typeof MAILBOX_KIND; id: number }) => void) {
      if (ev === 'mailbox') handlers[me]?.push(fn);
      return this;
    },
    sendMailbox(offer: MailboxOffer) {
      for (const h of handlers[peer] ?? []) h({ ...offer, kind: MAILBOX_KIND, id: 1 });
    },
  }) as unknown as Conversation;
  A.conversation('alice', conv('alice', 'bob'));
  B.conversation('bob', conv('bob', 'alice'));
  await waitUntilAsync(async () => (await A.knows('alice', 'bob')) && (await B.knows('bob', 'alice')), 'both mailbox offers to be stored');

  let n = 0;
  const send = async (text: string): Promise<string> => {
    const e: OutboxEntry = { id: toHex(systemRandom(16)), to: { account: 'bob', host: '127.0.0.1', port: 1 }, text, queuedAt: Date.now() };
    n++;
    assert.equal(await A.sendText('alice', e), 'stored', `message ${n} stored`);
    return e.id;
  };

  // Honest: once, and the receipt comes back through alice's queue.
  const id1 = await send('one');
  await B.fetchNow('bob');
  await A.fetchNow('alice');
  assert.deepEqual(shown, ['one']);
  assert.deepEqual(receipts, [id1]);

  // Altered: one bit of the stored ciphertext.
  tamper = (items) => items.map((it) => ({ ...it, data: Uint8Array.from(it.data, (b, k) => (k === it.data.length - 1 ? b ^ 1 : b)) }));
  await send('altered');
  await B.fetchNow('bob');
  assert.deepEqual(shown, ['one']);
  assert.deepEqual(codes['bob'], ['AUTH_FAILED']);

  // Replayed: the same stored item twice in one answer.
  tamper = (items) => [...items, ...items];
  const id3 = await send('three');
  await B.fetchNow('bob');
  await A.fetchNow('alice');
  assert.deepEqual(shown, ['one', 'three'], 'shown once');
  assert.deepEqual(codes['bob'], ['AUTH_FAILED', 'RELAY_REPLAY']);
  assert.deepEqual(receipts, [id1, id3]);

  // Reordered: two messages withheld, then given newest first.
  let hold = true;
  tamper = (items) => (hold ? [] : [...items].reverse());
  await send('four');
  await send('five');
  await B.fetchNow('bob');
  hold = false;
  await B.fetchNow('bob');
  assert.deepEqual(shown, ['one', 'three', 'five'], 'the older one after a newer one is refused');
  assert.deepEqual(codes['bob'], ['AUTH_FAILED', 'RELAY_REPLAY', 'RELAY_REORDERED']);

  // Without the queue's key the relay refuses the read (AUTH_FAILED), as for an unknown queue.
  const state = JSON.parse(await readFile(join(userDir(home, 'bob'), 'relay-mailbox.json'), 'utf8')) as { queues: Record<string, { recvId: string; recvSeed: string }> };
  const q = state.queues['alice'];
  assert.ok(q !== undefined);
  const c = await relay.connect();
  const reader = { recvId: Uint8Array.from(Buffer.from(q.recvId, 'hex')), recvSeed: Uint8Array.from(Buffer.from(q.recvSeed, 'hex')) };
  await assert.rejects(c.receive({ ...reader, recvSeed: systemRandom(32) }), (e: unknown) => isSecureChatError(e) && e.code === 'AUTH_FAILED');
  // Everything handled was acknowledged, so deleted.
  assert.deepEqual(await c.receive(reader), []);
  await A.fetchNow('alice');
  const aq = (JSON.parse(await readFile(join(userDir(home, 'alice'), 'relay-mailbox.json'), 'utf8')) as typeof state).queues['bob'];
  assert.ok(aq !== undefined);
  assert.deepEqual(await c.receive({ recvId: Uint8Array.from(Buffer.from(aq.recvId, 'hex')), recvSeed: Uint8Array.from(Buffer.from(aq.recvSeed, 'hex')) }), []);
  await c.close();
  await A.close();
  await B.close();
  await relay.stop();
});
