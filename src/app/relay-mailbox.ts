/**
 * Offline delivery through the relay, the agent's adapter (docs/RELAY.md §10): per local user,
 * the queues it made for its contacts on its own relay (fetched while the agent runs: a
 * SUBSCRIBE notification, a poll every RELAY_POLL_MS, and at start), and the contacts' offers
 * it sends to. Sockets, timers and files live here; the decisions are src/app/relay-inbox.ts,
 * the bytes src/relay/mailbox-seal.ts and src/relay/mailbox-offer.ts.
 *
 * Receiving one item: open it (HPKE, from that contact's mailbox key, for that queue), decide
 * (relay-inbox), then for a new text log and show it (`receive`, which deduplicates by the
 * TEXT_ID message id), store the receipt on the contact's queue, store the counter state, and
 * only then ACK (the relay deletes it). A crash anywhere before the ACK fetches it again; the
 * seen ids keep it from being shown twice, and the receipt is stored again under the same
 * relay id (the relay keeps it once).
 */
import { toHex, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { isSecureChatError, localError } from '../errors.js';
import { listLocalUsers, userDir } from '../identity/home.js';
import { RELAY_POLL_MS } from '../limits.js';
import { RelayClient, type Queue, type QueueReader, type QueueSender, type RelayMessage } from '../relay/client.js';
import { MailboxKind, mailboxPublicKey, openMailbox, sealMailbox } from '../relay/mailbox-seal.js';
import type { MailboxAppMessage, MailboxOffer } from '../relay/mailbox-offer.js';
import type { Conversation } from '../chat/conversation.js';
import type { Feed } from './listening.js';
import type { OutboxEntry } from './outbox.js';
import { decideInbound, FRESH_INBOUND } from './relay-inbox.js';
import { loadMailbox, loadRelayUse, MailboxFile, type ContactMailbox, type MailboxState, type OwnQueue, type RelayEndpoint } from './relay-state.js';

const SPARE = '\u0000spare';

/** What the mailbox needs of a relay connection (RelayClient; tests wrap it to tamper). */
export interface RelayLink {
  readonly open: boolean;
  createQueue(): Promise<Queue>;
  send(to: QueueSender, data: Uint8Array, msgId?: Uint8Array): Promise<'stored' | 'duplicate'>;
  receive(q: QueueReader, after?: number, max?: number): Promise<RelayMessage[]>;
  ack(q: QueueReader, seq: number): Promise<boolean>;
  subscribe(q: QueueReader, onMessage: () => void): Promise<void>;
  close(): Promise<void>;
}

export interface RelayMailboxOptions {
  readonly home: string;
  /** Logs and shows a text that came through the relay; false when it was already logged (a retry). */
  receive(as: string, peer: string, messageId: string, text: string, sentAtMs: number): Promise<boolean>;
  /** The receipt for our message `messageId` came back through the relay. */
  receipt(as: string, peer: string, messageId: string): void;
  feed(user: string): Feed;
  readonly random?: RandomSource;
  readonly now?: () => number;
  readonly pollMs?: number;
  readonly connect?: (e: RelayEndpoint) => Promise<RelayLink>;
}

function endpointKey(e: RelayEndpoint): string {
  return `${e.host}\u0000${e.port}\u0000${toHex(e.key)}`;
}

function sameEndpoint(a: RelayEndpoint, b: RelayEndpoint): boolean {
  return endpointKey(a) === endpointKey(b);
}

/** The relay id of the receipt for `messageId`: the same on every retry, so the relay stores it once. */
export function receiptRelayId(messageId: Uint8Array): Uint8Array {
  return sha256(utf8('sc1 relay receipt id'), messageId).slice(0, 16);
}

class UserMailbox {
  readonly as: string;
  readonly state: MailboxState;
  readonly file: MailboxFile;
  readonly use: RelayEndpoint | undefined;
  readonly mailboxKey: Uint8Array;
  readonly #o: RelayMailboxOptions;
  readonly #links = new Map<string, Promise<RelayLink>>();
  #pumping: Promise<void> | undefined;
  #sparing: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(o: RelayMailboxOptions, as: string, state: MailboxState, use: RelayEndpoint | undefined, mailboxKey: Uint8Array) {
    this.#o = o;
    this.as = as;
    this.state = state;
    this.use = use;
    this.mailboxKey = mailboxKey;
    this.file = new MailboxFile(userDir(o.home, as));
  }

  #warn(text: string, code: string, extra: Record<string, string | number> = {}): void {
    this.#o.feed(this.as).warn(text, { event: 'relay-refused', code, ...extra });
  }

  /** A connection to `e` (one per relay), re-made when it closed; new ones subscribe our queues there. */
  link(e: RelayEndpoint): Promise<RelayLink> {
    const k = endpointKey(e);
    const have = this.#links.get(k);
    if (have !== undefined) return have.then((l) => (l.open ? l : this.#relink(k, e)));
    return this.#relink(k, e);
  }

  #relink(k: string, e: RelayEndpoint): Promise<RelayLink> {
    const connect = this.#o.connect ?? ((x: RelayEndpoint) => RelayClient.connect({ host: x.host, port: x.port, relayKey: x.key, ...(this.#o.random === undefined ? {} : { random: this.#o.random }) }));
    const p = connect(e).then(async (l) => {
      for (const [peer, q] of this.state.queues) if (peer !== SPARE && sameEndpoint(q, e)) await l.subscribe(q, () => void this.pump());
      return l;
    });
    p.catch(() => this.#links.delete(k));
    this.#links.set(k, p);
    return p;
  }

  /** Makes a spare queue on our relay (so that an offer can go out the moment a conversation starts). */
  ensureSpare(): Promise<void> {
    const use = this.use;
    if (use === undefined || this.state.queues.has(SPARE)) return Promise.resolve();
    this.#sparing ??= (async () => {
      const q = await (await this.link(use)).createQueue();
      this.state.queues.set(SPARE, { ...use, ...q, inbound: FRESH_INBOUND });
      await this.file.save(this.state);
    })().finally(() => {
      this.#sparing = undefined;
    });
    return this.#sparing;
  }

  /** Our offer for `peer`: their queue (taken from the spare if new), or undefined when we have no relay or no queue ready. */
  offerFor(peer: string): MailboxOffer | undefined {
    if (this.use === undefined) return undefined;
    let q = this.state.queues.get(peer);
    if (q === undefined || !sameEndpoint(q, this.use)) {
      const spare = this.state.queues.get(SPARE);
      if (spare === undefined || !sameEndpoint(spare, this.use)) return undefined;
      this.state.queues.delete(SPARE);
      this.state.queues.set(peer, spare);
      q = spare;
      void this.file.save(this.state).catch(() => undefined);
      void this.link(this.use).then((l) => l.subscribe(spare, () => void this.pump())).catch(() => undefined);
      void this.ensureSpare().catch(() => undefined);
    }
    return { relayKey: q.key, host: q.host, port: q.port, sendId: q.sendId, sendSeed: q.sendSeed, mailboxKey: this.mailboxKey };
  }

  async storeOffer(peer: string, m: MailboxAppMessage): Promise<void> {
    const old = this.state.contacts.get(peer);
    const same = old !== undefined && toHex(old.sendId) === toHex(m.sendId) && sameEndpoint(old, { host: m.host, port: m.port, key: m.relayKey });
    const c: ContactMailbox = { host: m.host, port: m.port, key: m.relayKey, sendId: m.sendId, sendSeed: m.sendSeed, mailboxKey: m.mailboxKey, nextOut: same ? old.nextOut : 1, pending: same ? old.pending : {} };
    this.state.contacts.set(peer, c);
    await this.file.save(this.state);
    this.#o.feed(this.as).status(`${peer} can now be reached through their relay when they are offline`, { event: 'relay-offer', from: peer });
  }

  /** Seals `text` for `peer` and stores it on their relay; 'duplicate' when the relay already had it. */
  async sendText(e: OutboxEntry): Promise<'stored' | 'duplicate'> {
    const peer = e.to.account;
    const c = this.state.contacts.get(peer);
    if (c === undefined) throw localError('NETWORK_ERROR', `no relay is known for ${peer}`);
    const msgId = Uint8Array.from(Buffer.from(e.id, 'hex'));
    let counter = c.pending[e.id];
    if (counter === undefined) {
      counter = c.nextOut++;
      c.pending[e.id] = counter;
      await this.file.save(this.state);
    }
    const data = await sealMailbox({ senderSeed: this.state.mailboxSeed, recipientPub: c.mailboxKey, sendId: c.sendId, msgId, plain: { kind: MailboxKind.TEXT, counter, messageId: msgId, sentAtMs: (this.#o.now ?? Date.now)(), text: e.text } });
    return (await this.link(c)).send(c, data, msgId);
  }

  async #sendReceipt(peer: string, messageId: Uint8Array): Promise<void> {
    const c = this.state.contacts.get(peer);
    if (c === undefined) return; // they gave us no mailbox: the receipt cannot go back this way
    const counter = c.nextOut++;
    await this.file.save(this.state);
    const relayId = receiptRelayId(messageId);
    const data = await sealMailbox({ senderSeed: this.state.mailboxSeed, recipientPub: c.mailboxKey, sendId: c.sendId, msgId: relayId, plain: { kind: MailboxKind.RECEIPT, counter, messageId } });
    await (await this.link(c)).send(c, data, relayId);
  }

  /** Fetches every queue until they are empty; a call during a fetch makes it run once more. Resolves when done (never rejects). */
  pump(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#pumping !== undefined) {
      this.#again = true;
      return this.#pumping;
    }
    this.#pumping = (async () => {
      do {
        this.#again = false;
        for (const [peer, q] of [...this.state.queues]) {
          if (peer === SPARE || this.#closed) continue;
          try {
            await this.#drainQueue(peer, q);
          } catch (e) {
            if (this.#closed) return;
            const code = isSecureChatError(e) ? e.code : 'INTERNAL';
            this.#o.feed(this.as).status(`the relay queue for ${peer} could not be fetched now (${code}); trying again later`, { event: 'relay-retry', from: peer, code });
          }
        }
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#pumping = undefined;
    });
    return this.#pumping;
  }

  async #drainQueue(peer: string, q: OwnQueue): Promise<void> {
    const l = await this.link(q);
    for (;;) {
      const items = await l.receive(q, 0, 32);
      if (items.length === 0) return;
      for (const it of items) {
        if (this.#closed) return;
        await this.#handle(l, peer, q, it);
      }
    }
  }

  async #handle(l: RelayLink, peer: string, q: OwnQueue, it: RelayMessage): Promise<void> {
    const c = this.state.contacts.get(peer);
    if (c === undefined) throw localError('NETWORK_ERROR', `a message from ${peer} waits at the relay, but ${peer} has not told us their mailbox key yet`);
    const relayId = toHex(it.msgId);
    let m;
    try {
      m = await openMailbox({ recipientSeed: this.state.mailboxSeed, senderPub: c.mailboxKey, sendId: q.sendId, msgId: it.msgId, data: it.data });
    } catch (e) {
      const code = isSecureChatError(e) ? e.code : 'DECODE_ERROR';
      this.#warn(`a message for you from ${peer} at the relay was refused (${code}: altered, or not from ${peer}) and deleted`, code, { from: peer });
      await l.ack(q, it.seq);
      return;
    }
    const d = decideInbound(q.inbound, m.kind === MailboxKind.TEXT ? 'text' : 'receipt', m.counter, relayId);
    if (d.action === 'refuse') {
      this.#warn(`a message from ${peer} came from the relay out of order (${d.code}) and was refused`, d.code, { from: peer });
      await l.ack(q, it.seq);
      return;
    }
    if (d.action === 'replay') {
      this.#warn(`the relay gave a message from ${peer} again (${d.code}); it is not shown twice`, d.code, { from: peer });
      if (m.kind === MailboxKind.TEXT) await this.#sendReceipt(peer, m.messageId);
      await l.ack(q, it.seq);
      return;
    }
    if (m.kind === MailboxKind.TEXT) {
      await this.#o.receive(this.as, peer, toHex(m.messageId), m.text, m.sentAtMs);
      await this.#sendReceipt(peer, m.messageId);
    } else {
      const id = toHex(m.messageId);
      delete c.pending[id];
      this.#o.receipt(this.as, peer, id);
    }
    q.inbound = d.next;
    await this.file.save(this.state);
    await l.ack(q, it.seq);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#links.values()) await p.then((l) => l.close(), () => undefined).catch(() => undefined);
    this.#links.clear();
  }
}

/** Every local user's mailbox in one agent. */
export class RelayMailboxes {
  readonly #o: RelayMailboxOptions;
  readonly #users = new Map<string, Promise<UserMailbox>>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(o: RelayMailboxOptions) {
    this.#o = o;
  }

  #user(as: string): Promise<UserMailbox> {
    let p = this.#users.get(as);
    if (p === undefined) {
      const dir = userDir(this.#o.home, as);
      p = (async () => {
        const [state, use] = await Promise.all([loadMailbox(dir, () => (this.#o.random ?? systemRandom)(32)), loadRelayUse(dir)]);
        return new UserMailbox(this.#o, as, state, use, await mailboxPublicKey(state.mailboxSeed));
      })();
      p.catch(() => this.#users.delete(as));
      this.#users.set(as, p);
    }
    return p;
  }

  /** Loads every local user that has a relay or contacts' mailboxes, makes spares, fetches, and polls from now on. */
  async start(): Promise<void> {
    for (const as of await listLocalUsers(this.#o.home)) {
      try {
        const u = await this.#user(as);
        await u.ensureSpare().catch((e: unknown) => this.#o.feed(as).status(`the relay of ${as} cannot be reached now (${isSecureChatError(e) ? e.code : 'INTERNAL'})`, { event: 'relay-retry', code: isSecureChatError(e) ? e.code : 'INTERNAL' }));
        void u.pump();
      } catch (e) {
        this.#o.feed(as).warn(`the relay mailbox of ${as} cannot be used: ${e instanceof Error ? e.message : String(e)}`, { event: 'error', code: isSecureChatError(e) ? e.code : 'INTERNAL', message: 'relay mailbox unreadable' });
      }
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      void (async () => {
        for (const p of this.#users.values()) {
          const u = await p.catch(() => undefined);
          if (u === undefined) continue;
          void u.ensureSpare().catch(() => undefined);
          void u.pump();
        }
      })().finally(() => this.#arm());
    }, this.#o.pollMs ?? RELAY_POLL_MS);
    this.#timer.unref();
  }

  /** A conversation of `as` started: take the peer's offer when it comes, and send ours. */
  conversation(as: string, conv: Conversation): void {
    const peer = conv.info.peer.name;
    conv.on('mailbox', (m) => {
      void this.#user(as).then((u) => u.storeOffer(peer, m)).catch(() => undefined);
    });
    void this.#user(as).then(async (u) => {
      let offer = u.offerFor(peer);
      if (offer === undefined && u.use !== undefined) {
        await u.ensureSpare();
        offer = u.offerFor(peer);
      }
      if (offer !== undefined && conv.isOpen) conv.sendMailbox(offer);
    }).catch(() => undefined);
  }

  /** Fetches `as`'s queues now; resolves when they were drained (or could not be fetched: reported on the feed). */
  async fetchNow(as: string): Promise<void> {
    await (await this.#user(as)).pump();
  }

  /** Whether `as` can leave messages for `peer` at a relay. */
  async knows(as: string, peer: string): Promise<boolean> {
    const u = await this.#user(as).catch(() => undefined);
    return u?.state.contacts.has(peer) ?? false;
  }

  async sendText(as: string, e: OutboxEntry): Promise<'stored' | 'duplicate'> {
    return (await this.#user(as)).sendText(e);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const p of this.#users.values()) await p.then((u) => u.close(), () => undefined);
    this.#users.clear();
  }
}
