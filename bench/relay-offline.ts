/**
 * Offline delivery latency through the relay (docs/RELAY.md §10.6): alice's agent seals a
 * 100-byte message for bob and stores it at the relay (SQLite, durable); bob's agent is told by
 * its SUBSCRIBE, fetches, opens, and stores the sealed receipt on alice's queue; alice's agent is
 * told, fetches and opens it. Per message, sequentially: send → bob has it (delivery) and
 * send → alice has the receipt (round trip). Reference, same run: a direct TEXT_ID → receipt on
 * an open conversation with the chat listener process (bench/messages.ts's peer).
 *
 * What bounds it: per hop, one relay SEND (an Ed25519 signature, the relay's verification and
 * one SQLite commit with fsync), a notification, a FETCH and an ACK (another commit), and HPKE
 * (X25519 twice for mode_auth, in WebCrypto) on each side; the round trip is two such hops plus
 * the mailbox state file written (fsync) before each ACK. The receiver's conversation log is not
 * written here (the agent would add one log commit per message).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../src/crypto/bytes.js';
import { systemRandom } from '../src/crypto/random.js';
import type { Conversation } from '../src/chat/conversation.js';
import type { Feed } from '../src/app/listening.js';
import { RelayMailboxes } from '../src/app/relay-mailbox.js';
import { saveRelayUse } from '../src/app/relay-state.js';
import { userDir } from '../src/identity/home.js';
import { MAILBOX_KIND, type MailboxAppMessage, type MailboxOffer } from '../src/relay/mailbox-offer.js';
import { RelayEngine } from '../src/relay/engine.js';
import { keyPairFrom } from '../src/relay/noise-nk.js';
import { openStore } from '../src/relay/open-store.js';
import { RelayServer } from '../src/relay/server.js';
import type { Servers } from './handshake.js';
import { scConnect } from './peers.js';
import { summarize } from './stats.js';
import type { Figure } from './report.js';

const TEXT = 'm'.repeat(100);

/** Per-message ms of `n` direct TEXT_ID → receipt round trips on one open conversation (after 20 warm-ups). */
export async function directReceiptMs(s: Servers, n: number): Promise<number[]> {
  const conv = await scConnect(s.chatPort);
  const xs: number[] = [];
  try {
    for (let i = 0; i < n + 20; i++) {
      const t0 = performance.now();
      await conv.waitReceipt(conv.sendWithId(TEXT, systemRandom(16)), 10_000);
      if (i >= 20) xs.push(performance.now() - t0);
    }
  } finally {
    await conv.close();
  }
  return xs;
}

const NO_FEED: Feed = { status: () => undefined, warn: () => undefined, line: () => undefined };

export async function offlineSection(quick: boolean, direct: readonly number[]): Promise<Figure[]> {
  const n = quick ? 20 : 100;
  const dir = await mkdtemp(join(tmpdir(), 'securechat-bench-offline-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'relay.db') }, { retentionMs: 3_600_000, maxQueueMessages: 1_000 });
  const key = keyPairFrom(systemRandom(32));
  const engine = new RelayEngine({ store, random: systemRandom, now: Date.now, limits: { commandBurst: 1e9, commandsPerSecond: 1e9 } });
  const server = await RelayServer.listen({ port: 0, key, engine, random: systemRandom });
  const home = join(dir, 'home');
  for (const u of ['alice', 'bob']) {
    await mkdir(userDir(home, u), { recursive: true });
    await saveRelayUse(userDir(home, u), { host: '127.0.0.1', port: server.port, key: key.pub });
  }
  const waiting = new Map<string, () => void>();
  const arrived = (k: string): void => {
    waiting.get(k)?.();
    waiting.delete(k);
  };
  const when = (k: string): Promise<void> => new Promise((r) => waiting.set(k, r));
  const A = new RelayMailboxes({ home, feed: () => NO_FEED, receive: () => Promise.resolve(true), receipt: (_a, _p, id) => arrived(`r${id}`) });
  const B = new RelayMailboxes({ home, feed: () => NO_FEED, receive: (_a, _p, id) => { arrived(`m${id}`); return Promise.resolve(true); }, receipt: () => undefined });
  // A direct meeting, stood in for: each side's MAILBOX offer reaches the other.
  const handlers: Record<string, ((m: MailboxAppMessage) => void)[]> = { alice: [], bob: [] };
  const conv = (me: string, peer: string): Conversation => ({
    info: { peer: { name: peer } },
    isOpen: true,
    on(ev: string, fn: (m: MailboxAppMessage) => void) {
      if (ev === 'mailbox') handlers[me]?.push(fn);
      return this;
    },
    sendMailbox(offer: MailboxOffer) {
      for (const h of handlers[peer] ?? []) h({ ...offer, kind: MAILBOX_KIND, id: 1 });
    },
  }) as unknown as Conversation;
  const delivery: number[] = [];
  const roundTrip: number[] = [];
  try {
    A.conversation('alice', conv('alice', 'bob'));
    B.conversation('bob', conv('bob', 'alice'));
    for (let k = 0; k < 1_000 && !((await A.knows('alice', 'bob')) && (await B.knows('bob', 'alice'))); k++) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < n + 5; i++) {
      const id = toHex(systemRandom(16));
      const got = when(`m${id}`);
      const receipt = when(`r${id}`);
      const t0 = performance.now();
      await A.sendText('alice', { id, to: { account: 'bob', host: '127.0.0.1', port: 1 }, text: TEXT, queuedAt: Date.now() });
      await got;
      const t1 = performance.now();
      await receipt;
      const t2 = performance.now();
      if (i >= 5) {
        delivery.push(t1 - t0);
        roundTrip.push(t2 - t0);
      }
    }
  } finally {
    await A.close();
    await B.close();
    await server.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
  const ref = [{ name: 'direct TEXT_ID → receipt, open conversation', value: summarize(direct) }];
  const over = `${n} messages of 100 bytes, one after another`;
  return [
    { section: 'relay', name: 'offline message → delivered to the receiver through the relay (SQLite), p50', unit: 'ms', value: summarize(delivery), over, higherIsBetter: false, references: ref, note: 'send → the receiver\'s agent has opened it (notified by SUBSCRIBE)' },
    { section: 'relay', name: 'offline message → receipt back through the relay (SQLite), p50', unit: 'ms', value: summarize(roundTrip), over, higherIsBetter: false, references: ref, note: 'two relay hops, each SEND + notify + FETCH + ACK, HPKE both ends' },
  ];
}
