/**
 * The messenger: the application core the agent runs for one home. It holds every local
 * user's open conversations and is the only writer of their logs; many requests (from many
 * client processes) share one conversation per (local user, peer address), so 50 `send`s at
 * once from one home are 50 messages on one connection, each with its own receipt.
 *
 * A user's log is open while that user has an operation in flight, and closed after, so the
 * commands that still write the home themselves (`trust`, `log repair`) find it free.
 */
import { toHex, wipe } from '../crypto/bytes.js';
import type { KsfParams } from '../crypto/opaque.js';
import { localError, type SecureChatError } from '../errors.js';
import { formatAddress, loadUsersFile, type UsersFile } from '../identity/index.js';
import { connect } from '../chat/connect.js';
import { isKeyRefusal, reconnect } from '../chat/reconnect.js';
import type { HandshakeStep } from '../chat/types.js';
import { findContact } from '../identity/contacts.js';
import { loadContactsSync } from '../identity/contacts-file.js';
import { userDir } from '../identity/home.js';
import { FileContactBook } from './contact-book.js';
import type { Conversation } from '../chat/conversation.js';
import { announcePeer, endReason, snippet } from './announce.js';
import { explain, type FailContext } from './errors-text.js';
import type { AppHost, Reporter } from './host.js';
import { startListening, type Feed, type Listening, type ListenRequest } from './listening.js';
import { ConversationLog } from './log-sink.js';
import { KnownPeersPolicy } from './policy.js';
import { loadSelf, localIdentity, type Self } from './self.js';
import type { Target } from './target.js';
import { SILENT } from './host.js';
import { Groups, type GroupUser } from './groups.js';
import type { Address } from './groups-store.js';
import { logSeenLoader, SeenIds } from './seen-ids.js';
import { tellObservers, type MessengerObserver } from './observer.js';

import { RECEIPT_TIMEOUT_MS } from '../limits.js';
export { RECEIPT_TIMEOUT_MS };

export interface SendRequest {
  readonly as: string;
  readonly target: Target;
  /** The requesting client's users file (for fingerprint pins), if it has one. */
  readonly usersPath?: string | undefined;
  readonly text: string;
  /** The listener's password; only needed when no conversation with the target is open. Wiped here. */
  readonly password?: Uint8Array | undefined;
  /** Accept more password hashing work than at the first login with the target (`--accept-ksf`). */
  readonly acceptKsf?: boolean;
  /** Who asked (an opaque token given to observers' `sent`, so a client can skip its own echo). */
  readonly by?: unknown;
}

export interface SendResult {
  readonly id: number;
  readonly peer: string;
}

/** What the messenger tells about itself (`agent status`). */
export interface MessengerStatus {
  readonly users: readonly string[];
  readonly conversations: readonly { readonly user: string; readonly peer: string; readonly address: string; readonly inFlight: number }[];
  /** Local users listening now, where, and how many conversations came in. */
  readonly listening: readonly { readonly user: string; readonly host: string; readonly port: number; readonly open: number }[];
}

interface UserState {
  readonly self: Self;
  log: ConversationLog | null;
  opening: Promise<ConversationLog> | null;
  refs: number;
}

interface Link {
  readonly key: string;
  readonly user: string;
  conv: Conversation | null;
  opening: Promise<Conversation> | null;
  inFlight: number;
  /** Clients (`chat`) keeping this conversation open. */
  holds: number;
}

export interface MessengerOptions {
  readonly home: string;
  readonly ksf: KsfParams;
  /** What happens to local user `user` (messages that arrive, peers connecting and leaving), for whoever watches them. */
  readonly feed?: (user: string) => Feed;
  /** A conversation from `peer` came in to local user `user` (the outbox delivers to that peer at once). */
  readonly onInbound?: (user: string, peer: string) => void;
}

const NO_FEED: Feed = { status: () => undefined, warn: () => undefined, line: () => undefined };

interface ListenState {
  readonly listening: Listening;
  readonly user: UserState;
  holds: number;
}

/** A conversation can only start with the listener's password, and none was given. */
export class PasswordNeeded extends Error {
  constructor(readonly account: string) {
    super(`the password of ${account} is needed to start a conversation`);
  }
}

export class Messenger {
  readonly #home: string;
  readonly #ksf: KsfParams;
  readonly #feed: (user: string) => Feed;
  readonly #listening = new Map<string, ListenState>();
  readonly #users = new Map<string, UserState>();
  readonly #links = new Map<string, Link>();
  /** Per conversation: resolves once its end is in the log (and the log released). */
  readonly #ended = new Map<Conversation, Promise<void>>();
  /** Per local user: the message ids already logged per peer (retries are not logged twice). */
  readonly #seen = new Map<string, SeenIds>();
  readonly #onInbound: (user: string, peer: string) => void;

  /** The groups of this home's users (docs/GROUPS.md §11), carried over these conversations. */
  readonly groups: Groups;
  readonly #observers = new Set<MessengerObserver>();

  constructor(o: MessengerOptions) {
    this.#home = o.home;
    this.#ksf = o.ksf;
    this.#feed = o.feed ?? (() => NO_FEED);
    this.#onInbound = o.onInbound ?? (() => undefined);
    this.groups = new Groups({
      useUser: (as, fn) => this.#useUser(as, fn),
      withPeer: (as, peer, address, fn) => this.#withPeer(as, peer, address, fn),
      isContact: (as, peer) => isContact(this.#home, as, peer),
      feed: (user) => this.#feed(user),
    });
  }

  async #useUser<T>(as: string, fn: (u: GroupUser) => Promise<T>): Promise<T> {
    const user = await this.#acquireUser(as, SILENT, { established: false });
    try {
      if (user.log === null) throw localError('INTERNAL', 'the log is not open');
      return await fn({ self: user.self, log: user.log });
    } finally {
      await this.#releaseUser(user);
    }
  }

  /** Runs `fn` on a conversation with `peer`: a reconnect by keys to `address` (or the open one), or, with no address, one open now. */
  async #withPeer<T>(as: string, peer: string, address: Address | undefined, fn: (conv: Conversation) => Promise<T>): Promise<T> {
    return this.#useUser(as, async () => {
      const user = this.#users.get(as);
      if (address === undefined || user === undefined) {
        const incoming = [...(this.#listening.get(as)?.listening.open ?? [])];
        const outgoing = [...this.#links.values()].flatMap((l) => (l.user === as && l.conv !== null ? [l.conv] : []));
        const conv = [...outgoing, ...incoming].find((c) => c.isOpen && c.info.peer.name === peer);
        if (conv === undefined) throw localError('NETWORK_ERROR', `no address is known for ${peer} and no conversation with them is open; pass a users file that lists them (--users FILE)`);
        return fn(conv);
      }
      const target: Target = { account: peer, host: address.host, port: address.port };
      const link = this.#takeLink(as, target);
      try {
        return await fn(await this.#open(link, user, { as, target, text: '' }, SILENT));
      } finally {
        link.inFlight--;
        await this.#settleLink(link);
      }
    });
  }

  /** True while anything is in flight or open (the agent does not idle out then). */
  get busy(): boolean {
    return this.#links.size > 0;
  }

  /** Registers an in-process watcher (observer.ts); returns the function that removes it. */
  /**
   * A text from `peer` that came through the relay (docs/RELAY.md §10): logged and shown like a
   * TEXT_ID, once (the seen ids, PROTOCOL §7); false when it was already logged.
   */
  async receivedViaRelay(as: string, peer: string, messageId: string, text: string, sentAtMs: number): Promise<boolean> {
    const user = await this.#acquireUser(as, SILENT, { established: false });
    try {
      const log = user.log;
      if (log === null) throw localError('INTERNAL', 'the log is not open');
      if (!(await this.#seenOf(user).admit(peer, messageId, () => log.received(peer, messageId, text)))) return false;
      this.#feed(as).line(text, { event: 'message', from: peer, to: as, messageId, text, via: 'relay', sentAt: new Date(sentAtMs).toISOString(), receivedAt: new Date().toISOString() });
      return true;
    } finally {
      await this.#releaseUser(user);
    }
  }

  observe(o: MessengerObserver): () => void {
    this.#observers.add(o);
    return () => this.#observers.delete(o);
  }

  /** The open conversations of `as`: those that came in to their listener, and those they opened. */
  conversations(as: string): { readonly conv: Conversation; readonly origin: 'in' | 'out' }[] {
    const incoming = [...(this.#listening.get(as)?.listening.open ?? [])].map((conv) => ({ conv, origin: 'in' as const }));
    const outgoing = [...this.#links.values()].flatMap((l) => (l.user === as && l.conv !== null && l.conv.isOpen ? [{ conv: l.conv, origin: 'out' as const }] : []));
    return [...incoming, ...outgoing];
  }

  /** Where `as` listens now, if they do. */
  listenerOf(as: string): { readonly host: string; readonly port: number } | undefined {
    const l = this.#listening.get(as);
    return l === undefined ? undefined : { host: l.listening.host, port: l.listening.port };
  }

  /** True while a listener runs (the agent does not idle out then). */
  get listening(): boolean {
    return this.#listening.size > 0;
  }

  /**
   * Listens as `as` (one listener per user; a second request adds a hold on the same one).
   * Every conversation that comes in is logged and told to `as`'s feed.
   */
  async listen(as: string, req: ListenRequest, report: Reporter, fail: FailContext): Promise<{ host: string; port: number; fingerprint: string }> {
    fail.user = as;
    fail.port = req.port;
    const have = this.#listening.get(as);
    if (have !== undefined) {
      have.holds++;
      return { host: have.listening.host, port: have.listening.port, fingerprint: have.user.self.identity.fingerprint };
    }
    // A users file that cannot be read fails the request before anything is created (no identity key for a typo).
    if (req.usersPath !== undefined) await loadUsersFile(req.usersPath);
    const user = await this.#acquireUser(as, report, fail);
    try {
      const log = user.log;
      if (log === null) throw localError('INTERNAL', 'the log is not open');
      const feed = this.#feed(as);
      const listening = await startListening(this.#host(report, fail), user.self, log, req, feed, (conv) => this.#watch(conv, user, log, 'in'));
      this.#listening.set(as, { listening, user, holds: 1 });
      return { host: listening.host, port: listening.port, fingerprint: user.self.identity.fingerprint };
    } catch (e) {
      await this.#releaseUser(user);
      throw e;
    }
  }

  /**
   * Writes `text` to `peer` on a conversation of `as` that is open now (one that came in to
   * `as`'s listener, or one `as` opened); resolves when the receipt arrived. With `messageId`
   * it goes as TEXT_ID (PROTOCOL §7: the outbox, whose retries keep that id).
   */
  async say(as: string, peer: string, text: string, report: Reporter, fail: FailContext, messageId?: Uint8Array, by?: unknown): Promise<SendResult> {
    fail.user = as;
    fail.peer = peer;
    const user = this.#users.get(as);
    const conv = this.#openWith(as, peer);
    const log = user?.log ?? null;
    if (conv === undefined || log === null) {
      throw localError('USAGE', `${as} has no open conversation with ${peer}; ${peer} can connect to you, or start one with \`securechat chat --to ${peer} --as ${as}\``);
    }
    fail.established = true;
    const id = messageId === undefined ? conv.send(text) : conv.sendWithId(text, messageId);
    report.status(`sent #${id} to ${peer}`, { event: 'sent', to: peer, id, text });
    tellObservers(this.#observers, (o) => o.sent?.(as, conv, id, text, by));
    await log.sent(peer, messageId === undefined ? id : toHex(messageId), text); // a TEXT_ID under its message id: a retry is recognisable in the log
    try {
      await conv.waitReceipt(id, RECEIPT_TIMEOUT_MS);
    } catch (e) {
      throw new NoReceipt(e, id);
    }
    report.status(`delivered #${id} to ${peer}: "${snippet(text)}"`, { event: 'receipt', from: peer, id });
    return { id, peer };
  }

  /** Whether `as` has a conversation with `peer` open now (one that came in, or one `as` opened). */
  hasOpen(as: string, peer: string): boolean {
    return this.#openWith(as, peer) !== undefined;
  }

  /** Whether `peer` has a conversation open now that came in to `as`'s listener. */
  hasInbound(as: string, peer: string): boolean {
    return [...(this.#listening.get(as)?.listening.open ?? [])].some((c) => c.isOpen && c.info.peer.name === peer);
  }

  #openWith(as: string, peer: string): Conversation | undefined {
    const incoming = [...(this.#listening.get(as)?.listening.open ?? [])];
    const outgoing = [...this.#links.values()].flatMap((l) => (l.user === as && l.conv !== null ? [l.conv] : []));
    return [...incoming, ...outgoing].find((c) => c.isOpen && c.info.peer.name === peer);
  }

  /** Drops one hold on `as`'s listener; the last one closes it (and the conversations that came in). */
  async unlisten(as: string): Promise<void> {
    const l = this.#listening.get(as);
    if (l === undefined) return;
    l.holds--;
    if (l.holds > 0) return;
    this.#listening.delete(as);
    await l.listening.close();
    await Promise.allSettled([...this.#ended.values()]);
    await this.#releaseUser(l.user);
  }

  status(): MessengerStatus {
    return {
      users: [...this.#users.keys()],
      conversations: [...this.#links.values()].flatMap((l) =>
        l.conv === null ? [] : [{ user: l.user, peer: l.conv.info.peer.name, address: formatAddress(l.conv.info.remoteAddress, l.conv.info.remotePort), inFlight: l.inFlight }],
      ),
      listening: [...this.#listening.entries()].map(([user, l]) => ({ user, host: l.listening.host, port: l.listening.port, open: l.listening.open.size })),
    };
  }

  /** Whether a send to `target` as `as` needs the listener's password (no conversation is open or opening). */
  needsPassword(as: string, target: Target): boolean {
    const l = this.#links.get(linkKey(as, target));
    const noConversation = l === undefined || (l.conv === null && l.opening === null) || (l.conv !== null && !l.conv.isOpen);
    return noConversation && !isContact(this.#home, as, target.account);
  }

  #host(report: Reporter, fail: FailContext): AppHost {
    return { home: () => this.#home, ksf: () => this.#ksf, fail, out: report };
  }

  async #acquireUser(as: string, report: Reporter, fail: FailContext): Promise<UserState> {
    let u = this.#users.get(as);
    if (u === undefined) {
      const self = await loadSelf(this.#host(report, fail), as, undefined, true);
      u = this.#users.get(as) ?? { self, log: null, opening: null, refs: 0 };
      this.#users.set(as, u);
    }
    u.refs++;
    try {
      if (u.log === null) {
        const state = u;
        u.opening ??= ConversationLog.open(u.self.dir, u.self.name).finally(() => {
          state.opening = null;
        });
        u.log = await u.opening;
      }
    } catch (e) {
      u.refs--;
      throw e;
    }
    return u;
  }

  async #releaseUser(u: UserState): Promise<void> {
    u.refs--;
    if (u.refs > 0 || u.log === null) return;
    const log = u.log;
    u.log = null;
    await log.close().catch(() => undefined);
  }

  /** Sends `text`; resolves when the receipt arrived (or rejects with the reason it did not). */
  async send(req: SendRequest, report: Reporter, fail: FailContext): Promise<SendResult> {
    fail.user = req.as;
    fail.peer = req.target.account;
    fail.address = formatAddress(req.target.host, req.target.port);
    let user: UserState;
    try {
      user = await this.#acquireUser(req.as, report, fail);
    } catch (e) {
      if (req.password !== undefined) wipe(req.password);
      throw e;
    }
    const link = this.#takeLink(req.as, req.target);
    try {
      const conv = await this.#open(link, user, req, report);
      if (req.text === '') throw localError('USAGE', 'the message is empty');
      fail.established = true;
      announcePeer(report, conv, 'talking to');
      const log = user.log;
      if (log === null) throw localError('INTERNAL', 'the log is not open');
      const id = conv.send(req.text);
      report.status(`sent #${id}; waiting for the delivery receipt`, { event: 'sent', to: req.target.account, id, text: req.text });
      tellObservers(this.#observers, (o) => o.sent?.(req.as, conv, id, req.text, req.by));
      await log.sent(conv.info.peer.name, id, req.text);
      try {
        await conv.waitReceipt(id, RECEIPT_TIMEOUT_MS);
      } catch (e) {
        throw new NoReceipt(e, id);
      }
      report.status(`delivered #${id} to ${conv.info.peer.name}: "${snippet(req.text)}"`, { event: 'receipt', from: conv.info.peer.name, id });
      return { id, peer: conv.info.peer.name };
    } finally {
      if (req.password !== undefined) wipe(req.password);
      link.inFlight--;
      await this.#settleLink(link);
      await this.#releaseUser(user);
    }
  }

  /**
   * Opens (or joins) the conversation from `req.as` to `req.target` and keeps it open until
   * `release` (for `chat`). Resolves with the peer's name once it is established.
   */
  async hold(req: Omit<SendRequest, 'text'>, report: Reporter, fail: FailContext): Promise<SendResult> {
    fail.user = req.as;
    fail.peer = req.target.account;
    fail.address = formatAddress(req.target.host, req.target.port);
    const user = await this.#acquireUser(req.as, report, fail).catch((e: unknown) => {
      if (req.password !== undefined) wipe(req.password);
      throw e;
    });
    const link = this.#takeLink(req.as, req.target);
    try {
      const conv = await this.#open(link, user, { ...req, text: '' }, report);
      fail.established = true;
      announcePeer(report, conv, 'talking to');
      link.holds++;
      return { id: 0, peer: conv.info.peer.name };
    } catch (e) {
      await this.#releaseUser(user);
      throw e;
    } finally {
      if (req.password !== undefined) wipe(req.password);
      link.inFlight--;
      await this.#settleLink(link);
    }
  }

  /**
   * Runs `login` (an invitation's one-time login, src/app/contacts-admin.ts) with `as`'s log
   * open, logs the conversation it makes as any other (its start, and its end), then ends it:
   * resolves once the end is in the log. Not told to observers (it is over at once).
   */
  async accepted(as: string, report: Reporter, fail: FailContext, login: (self: Self) => Promise<Conversation>): Promise<Conversation> {
    fail.user = as;
    const user = await this.#acquireUser(as, report, fail);
    try {
      const log = user.log;
      if (log === null) throw localError('INTERNAL', 'the log is not open');
      const conv = await login(user.self);
      this.#watch(conv, user, log, 'out', false);
      if (conv.isOpen) await conv.close().catch(() => undefined);
      await waitClosed(conv);
      await this.#ended.get(conv);
      return conv;
    } finally {
      await this.#releaseUser(user);
    }
  }

  /**
   * Drops one hold taken by a successful `hold` (call it once per hold); the conversation
   * closes when nobody uses it. The peer may have ended it already.
   */
  async release(as: string, target: Target): Promise<void> {
    const user = this.#users.get(as);
    if (user === undefined) return;
    const link = this.#links.get(linkKey(as, target));
    if (link !== undefined && link.holds > 0) {
      link.holds--;
      await this.#settleLink(link);
    }
    await this.#releaseUser(user);
  }

  /** The link from `as` to `target` (a new one when none is open), counted as in flight. */
  #takeLink(as: string, target: Target): Link {
    const key = linkKey(as, target);
    let link = this.#links.get(key);
    if (link === undefined || (link.conv !== null && !link.conv.isOpen)) {
      link = { key, user: as, conv: null, opening: null, inFlight: 0, holds: 0 };
      this.#links.set(key, link);
    }
    link.inFlight++;
    return link;
  }

  async #open(link: Link, user: UserState, req: SendRequest, report: Reporter): Promise<Conversation> {
    if (link.conv !== null && link.conv.isOpen) return link.conv;
    if (link.opening !== null) return link.opening;
    const log = user.log;
    if (log === null) throw localError('INTERNAL', 'the log is not open');
    const contacts = new FileContactBook(user.self.dir);
    const onStep = (s: HandshakeStep): void => report.status(s.text, { event: 'step', step: s.step, text: s.text });
    // A contact reconnects by keys, without the password (docs/PROTOCOL.md §10).
    const contact = await contacts.outbound(req.target.account);
    const passwordLogin = async (): Promise<Conversation> => {
      const password = req.password;
      if (password === undefined) throw new PasswordNeeded(req.target.account);
      const users: UsersFile | undefined = req.usersPath === undefined ? undefined : await loadUsersFile(req.usersPath);
      const policy = await KnownPeersPolicy.load(user.self.dir, users, (c) => {
        void log.keyChange(c.peer, c.oldFingerprint, c.newFingerprint, false).catch(() => undefined);
      });
      const pw = Uint8Array.from(password);
      let conv: Conversation;
      try {
        conv = await connect({
          host: req.target.host,
          port: req.target.port,
          account: req.target.account,
          password: pw,
          self: localIdentity(user.self),
          policy,
          acceptKsfIncrease: req.acceptKsf === true,
          contacts,
          onStep,
        });
      } catch (e) {
        await policy.settle();
        throw e;
      } finally {
        wipe(pw);
      }
      this.#watch(conv, user, log, 'out');
      return conv;
    };
    if (contact === null) {
      if (req.password === undefined) throw new PasswordNeeded(req.target.account);
      return this.#opened(link, passwordLogin());
    }
    const reconnecting = (async () => {
      try {
        const r = await reconnect({ host: req.target.host, port: req.target.port, contact, contacts, self: localIdentity(user.self), onStep });
        r.saved.catch((e: unknown) => report.status(`could not save the contact secret for ${contact.name}: ${String(e)}`));
        this.#watch(r.conv, user, log, 'out');
        return r.conv;
      } catch (e) {
        // The listener does not hold the key we pinned (a reinstall, or an impostor) or our
        // secrets diverged: a password login runs the full identity check (§4.7) instead.
        if (!isKeyRefusal(e)) throw e;
        if (req.password === undefined) throw new PasswordNeeded(req.target.account);
        report.status(`${req.target.account} did not accept the reconnect by keys; logging in with the password instead`, { event: 'step', step: 'reconnect-refused', text: 'reconnect refused; password login' });
        return passwordLogin();
      }
    })();
    return this.#opened(link, reconnecting);
  }

  async #opened(link: Link, opening: Promise<Conversation>): Promise<Conversation> {
    link.opening = opening;
    try {
      const conv = await opening;
      link.conv = conv;
      return conv;
    } catch (e) {
      if (this.#links.get(link.key) === link) this.#links.delete(link.key);
      throw e;
    } finally {
      link.opening = null;
    }
  }

  /** Logs what the peer sends on a conversation and its end, and tells the user's feed. */
  #watch(conv: Conversation, user: UserState, log: ConversationLog, origin: 'in' | 'out', tell = true): void {
    const peer = conv.info.peer.name;
    const feed = this.#feed(user.self.name);
    user.refs++; // the conversation holds the log until it ends
    void log.start(peer, conv.info.peer.identityKey, conv.info.peerState, formatAddress(conv.info.remoteAddress, conv.info.remotePort)).catch(() => undefined);
    conv.on('group', (m) => this.groups.incoming({ self: user.self, log }, peer, conv, m));
    conv.on('message', async (m) => {
      const messageId = m.messageId;
      if (messageId === undefined) await log.received(peer, m.id, m.text);
      // A retry of a message already in the log (PROTOCOL §7): receipted again, not shown or logged twice.
      else if (!(await this.#seenOf(user).admit(peer, messageId, () => log.received(peer, messageId, m.text)))) return;
      feed.line(m.text, { event: 'message', from: peer, to: user.self.name, id: m.id, ...(messageId === undefined ? {} : { messageId }), text: m.text, sentAt: new Date(m.sentAt).toISOString(), receivedAt: new Date(m.receivedAt).toISOString() });
      tellObservers(this.#observers, (o) => o.received?.(user.self.name, conv, m));
    });
    if (origin === 'in') this.#onInbound(user.self.name, peer);
    if (tell) tellObservers(this.#observers, (o) => o.conversation?.(user.self.name, conv, origin));
    let ended: () => void = () => undefined;
    this.#ended.set(conv, new Promise<void>((r) => {
      ended = r;
    }));
    conv.on('closed', (reason, error) => {
      const why = endReason(peer, reason, error);
      void log
        .end(peer, why)
        .catch(() => undefined)
        .finally(async () => {
          if (origin === 'in' || reason !== 'local') tellClosed(feed, peer, reason, error);
          for (const [k, l] of this.#links) if (l.conv === conv) this.#links.delete(k);
          await this.#releaseUser(user);
          this.#ended.delete(conv);
          ended();
        });
    });
  }

  #seenOf(user: UserState): SeenIds {
    let s = this.#seen.get(user.self.name);
    if (s === undefined) {
      s = new SeenIds(logSeenLoader(user.self.dir));
      this.#seen.set(user.self.name, s);
    }
    return s;
  }

  /** Closes a conversation nobody is using any more. */
  async #settleLink(link: Link): Promise<void> {
    if (link.inFlight > 0 || link.holds > 0 || link.opening !== null) return;
    if (this.#links.get(link.key) === link) this.#links.delete(link.key);
    const conv = link.conv;
    if (conv === null) return;
    if (conv.isOpen) await conv.close().catch(() => undefined);
    await waitClosed(conv);
    await this.#ended.get(conv);
  }

  /** Closes every listener, conversation and log. */
  async close(): Promise<void> {
    for (const as of [...this.#listening.keys()]) {
      const l = this.#listening.get(as);
      if (l !== undefined) l.holds = 1;
      await this.unlisten(as);
    }
    const convs = [...this.#links.values()].flatMap((l) => (l.conv === null ? [] : [l.conv]));
    this.#links.clear();
    await Promise.allSettled(convs.map(async (c) => {
      if (c.isOpen) await c.close();
      await waitClosed(c);
      await this.#ended.get(c);
    }));
    for (const u of this.#users.values()) {
      const log = u.log;
      u.log = null;
      if (log !== null) await log.close().catch(() => undefined);
    }
  }
}

/** A send whose message left but whose receipt did not arrive. */
export class NoReceipt extends Error {
  constructor(readonly error: unknown, readonly id: number) {
    super('no delivery receipt');
  }
}

function tellClosed(feed: Feed, peer: string, reason: string, error: SecureChatError | undefined): void {
  if (error === undefined) {
    feed.status(`${peer} left`, { event: 'closed', peer, reason });
    return;
  }
  const x = explain(error, { established: true, peer });
  feed.status(`the conversation with ${peer} ended badly: ${x.sentence}`, { event: 'closed', peer, reason: 'error', code: x.code, exit: x.exit, message: x.sentence });
}

function linkKey(as: string, t: Target): string {
  return `${as}\u0000${t.account}\u0000${formatAddress(t.host, t.port)}`;
}

/** Resolves once `conv` has emitted `closed` (its log entries are written by then, or soon after). */
function waitClosed(conv: Conversation): Promise<void> {
  if (conv.closedWith !== null) return Promise.resolve();
  return new Promise((resolve) => conv.on('closed', () => resolve()));
}

/** Whether `as` has `account` as a contact to reconnect to (no password needed). */
function isContact(home: string, as: string, account: string): boolean {
  try {
    const c = findContact(loadContactsSync(userDir(home, as)), account);
    return c !== undefined && c.out !== null;
  } catch {
    return false; // an unreadable contacts file: the password path reports nothing worse
  }
}
