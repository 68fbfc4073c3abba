/**
 * What the page can do, on the Node side: connect to a contact, listen for incoming
 * conversations, send, close, verify and trust keys, read the log. Every message sent and
 * received is appended to the user's encrypted log (like the CLI; a received message's receipt
 * goes out only after its append resolved). Changes reach the page as `ServerEvent`s.
 *
 * All cryptography stays here; the page sees names, fingerprints, texts and sentences.
 */
import { SUITE_NAMES } from '../crypto/aead.js';
import { localError } from '../errors.js';
import { formatAddress, formatFingerprint, keyFingerprint, loadKnownPeers, markVerified, trustNewKey, type UsersFile } from '../identity/index.js';
import { connect } from '../chat/connect.js';
import { listen, type Listener, type ListenerEvent } from '../chat/listener.js';
import type { Conversation } from '../chat/conversation.js';
import type { FailContext } from '../app/errors-text.js';
import type { AppHost } from '../app/host.js';
import type { ConversationLog } from '../app/log-sink.js';
import type { KeyChange } from '../app/policy.js';
import { listenerAccount, localIdentity, type Self } from '../app/self.js';
import { resolveTarget } from '../app/target.js';
import { uiError } from './errors.js';
import { endReason } from '../app/announce.js';
import { RefusalNotices } from '../app/refusal-notices.js';
import { ReloadablePolicy } from '../app/reloadable-policy.js';
import type { ConversationView, ListenerView, LogView, MessageView, ServerEvent, StateView, VerifyView } from './protocol.js';
import { contacts, logView, verifyView } from './views.js';

interface Entry {
  readonly id: string;
  readonly conv: Conversation;
  readonly origin: 'in' | 'out';
  readonly messages: MessageView[];
  ended?: string;
}

export interface ControllerOptions {
  readonly cli: AppHost;
  readonly self: Self;
  readonly users: UsersFile | undefined;
  readonly log: ConversationLog;
}

export class UiController {
  readonly #cli: AppHost;
  readonly #self: Self;
  readonly #users: UsersFile | undefined;
  readonly #log: ConversationLog;
  #policy!: ReloadablePolicy;
  readonly #subscribers = new Set<(e: ServerEvent) => void>();
  readonly #refusals = new RefusalNotices();
  readonly #conversations = new Map<string, Entry>();
  #nextId = 1;
  #listener: Listener | null = null;
  #listenHost: string;
  #listenPort: number;

  private constructor(o: ControllerOptions) {
    this.#cli = o.cli;
    this.#self = o.self;
    this.#users = o.users;
    this.#log = o.log;
    const entry = o.users?.users.find((u) => u.username === o.self.name);
    this.#listenHost = entry?.ip ?? '127.0.0.1';
    this.#listenPort = entry?.port ?? 0;
  }

  static async create(o: ControllerOptions): Promise<UiController> {
    const c = new UiController(o);
    c.#policy = await ReloadablePolicy.load(o.self.dir, o.users, (k) => c.#keyChanged(k));
    return c;
  }

  /** Registers a receiver of events; returns the function that removes it. */
  subscribe(fn: (e: ServerEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  #emit(e: ServerEvent): void {
    for (const fn of this.#subscribers) {
      try {
        fn(e);
      } catch {
        // one broken page must not stop the others or the chat machinery
      }
    }
  }

  async #emitState(): Promise<void> {
    try {
      this.#emit({ type: 'state', state: await this.state() });
    } catch (e) {
      this.#emit({ type: 'notice', level: 'error', message: uiError(e, { established: false }).message });
    }
  }

  async state(): Promise<StateView> {
    const listener: ListenerView = { on: this.#listener !== null, host: this.#listenHost, port: this.#listener?.port ?? this.#listenPort };
    return {
      self: { name: this.#self.name, fingerprint: formatFingerprint(this.#self.identity.fingerprint) },
      contacts: await contacts(this.#self, this.#users),
      conversations: [...this.#conversations.values()].map((e) => this.#view(e)),
      listener,
      ...(this.#users === undefined ? {} : { usersFile: this.#users.path }),
    };
  }

  #view(e: Entry): ConversationView {
    const i = e.conv.info;
    return {
      id: e.id,
      peer: i.peer.name,
      peerState: i.peerState,
      fingerprint: formatFingerprint(keyFingerprint(i.peer.identityKey)),
      address: formatAddress(i.remoteAddress, i.remotePort),
      suite: SUITE_NAMES[i.suite],
      origin: e.origin,
      open: e.conv.isOpen,
      ...(e.ended === undefined ? {} : { ended: e.ended }),
      messages: [...e.messages],
    };
  }

  #keyChanged(k: KeyChange): void {
    void this.#log.keyChange(k.peer, k.oldFingerprint, k.newFingerprint, false).catch(() => undefined);
    const message = uiError(localError('PEER_KEY_CHANGED', k.peer), { established: false, peer: k.peer }).message;
    this.#emit({ type: 'key-changed', peer: k.peer, oldFingerprint: formatFingerprint(k.oldFingerprint), newFingerprint: formatFingerprint(k.newFingerprint), message });
  }

  /** Takes a new conversation in: logs and forwards what arrives, until it ends. */
  #adopt(conv: Conversation, origin: 'in' | 'out'): Entry {
    const id = `c${this.#nextId++}`;
    const entry: Entry = { id, conv, origin, messages: [] };
    this.#conversations.set(id, entry);
    const peer = conv.info.peer.name;
    const address = formatAddress(conv.info.remoteAddress, conv.info.remotePort);
    void this.#log.start(peer, conv.info.peer.identityKey, conv.info.peerState, address).catch(() => undefined);
    conv.on('message', async (m) => {
      await this.#log.received(peer, m.id, m.text);
      const message: MessageView = { direction: 'in', id: m.id, text: m.text, at: m.receivedAt, delivered: true };
      entry.messages.push(message);
      this.#emit({ type: 'message', conversation: id, message });
    });
    conv.on('receipt', (n) => {
      const i = entry.messages.findIndex((x) => x.direction === 'out' && x.id === n);
      const old = entry.messages[i];
      if (old !== undefined) entry.messages[i] = { ...old, delivered: true };
      this.#emit({ type: 'receipt', conversation: id, id: n });
    });
    conv.on('closed', (reason, error) => {
      const why = endReason(peer, reason, error);
      if (error !== undefined) entry.ended = uiError(error, { established: true, peer }).message;
      else entry.ended = reason === 'peer' ? `${peer} left the conversation` : 'you closed the conversation';
      void this.#log
        .end(peer, why)
        .catch(() => undefined)
        .finally(() => void this.#emitState());
    });
    return entry;
  }

  /** Connects to `to` (a contact's name or NAME@HOST:PORT). The password is wiped here. */
  async connect(to: string, password: Uint8Array): Promise<ConversationView> {
    const ctx: FailContext = { established: false };
    try {
      const target = resolveTarget(to, this.#users);
      ctx.peer = target.account;
      ctx.address = formatAddress(target.host, target.port);
      let conv: Conversation;
      try {
        conv = await connect({ host: target.host, port: target.port, account: target.account, password, self: localIdentity(this.#self), policy: this.#policy });
      } finally {
        password.fill(0);
      }
      const entry = this.#adopt(conv, 'out');
      void this.#emitState();
      return this.#view(entry);
    } catch (e) {
      password.fill(0);
      await this.#policy.settle();
      throw withContext(e, ctx);
    }
  }

  #entry(id: string): Entry {
    const e = this.#conversations.get(id);
    if (e === undefined) throw localError('USAGE', 'that conversation does not exist (any more); choose a contact to start a new one');
    return e;
  }

  async send(id: string, text: string): Promise<MessageView> {
    const entry = this.#entry(id);
    const peer = entry.conv.info.peer.name;
    try {
      const n = entry.conv.send(text);
      const message: MessageView = { direction: 'out', id: n, text, at: Date.now(), delivered: false };
      entry.messages.push(message);
      // Told to the page at once, before the receipt can possibly arrive.
      this.#emit({ type: 'message', conversation: id, message });
      await this.#log.sent(peer, n, text);
      return message;
    } catch (e) {
      throw withContext(e, { established: true, peer });
    }
  }

  async closeConversation(id: string): Promise<void> {
    const entry = this.#entry(id);
    if (entry.conv.isOpen) await entry.conv.close();
    else {
      this.#conversations.delete(id);
      await this.#emitState();
    }
  }

  /** Turns the listener on (on `port`, default the users file's) or off. */
  async setListening(on: boolean, port?: number): Promise<ListenerView> {
    if (on && this.#listener === null) {
      const p = port ?? this.#listenPort;
      const ctx: FailContext = { established: false, port: p, user: this.#self.name };
      try {
        const account = await listenerAccount(this.#cli, this.#self, this.#users);
        this.#listener = await listen({
          host: this.#listenHost,
          port: p,
          account,
          self: localIdentity(this.#self),
          policy: this.#policy,
          onConversation: (conv) => {
            this.#adopt(conv, 'in');
            void this.#emitState();
          },
          onEvent: (e) => this.#listenerEvent(e),
        });
        this.#listenPort = p;
      } catch (e) {
        throw withContext(e, ctx);
      }
    } else if (!on && this.#listener !== null) {
      const l = this.#listener;
      this.#listener = null;
      await l.close();
    }
    void this.#emitState();
    return (await this.state()).listener;
  }

  #listenerEvent(e: ListenerEvent): void {
    switch (e.type) {
      case 'hello':
        return;
      case 'refused': {
        const line = this.#refusals.line(e.remoteAddress, e.code);
        if (line !== null) this.#emit({ type: 'notice', level: 'info', message: line });
        return;
      }
      case 'handshake-failed':
      case 'policy-failed': {
        if (e.error.code === 'PEER_KEY_CHANGED') return; // the key-changed event already told the page
        const wrong = e.error.code === 'AUTH_FAILED' || e.error.code === 'PEER_ALERT';
        const why = wrong ? 'wrong password, or not a securechat peer' : uiError(e.error, { established: false, address: e.remoteAddress }).message;
        // A failed login is a handshake that got past ServerHello and did not complete (PROTOCOL §4.8);
        // a wrong password arrives as the initiator's ALERT (PEER_ALERT), not as AUTH_FAILED.
        if (e.type === 'handshake-failed' && e.counted) void this.#log.authFailed(why, e.remoteAddress).catch(() => undefined);
        this.#emit({ type: 'notice', level: 'info', message: `a connection from ${e.remoteAddress} failed: ${why}` });
      }
    }
  }

  async verify(peer: string): Promise<VerifyView> {
    await this.#policy.settle();
    return verifyView(this.#self, peer);
  }

  /** Marks `peer`'s pinned key verified, if it is still the one with `fingerprint` (what the person compared). */
  async markVerified(peer: string, fingerprint: string): Promise<VerifyView> {
    const rec = (await loadKnownPeers(this.#self.dir)).peers.get(peer);
    if (rec === undefined || formatFingerprint(keyFingerprint(rec.key)) !== fingerprint) {
      throw localError('USAGE', `${peer}'s key is not the one you compared any more; open the safety number again`);
    }
    await markVerified(this.#self.dir, peer, rec.key);
    await this.#policy.reload();
    void this.#emitState();
    return verifyView(this.#self, peer);
  }

  /** Accepts `peer`'s refused new key, if it is still the one with `fingerprint` (what the person checked). */
  async trust(peer: string, fingerprint: string): Promise<VerifyView> {
    await this.#policy.settle();
    const rec = (await loadKnownPeers(this.#self.dir)).peers.get(peer);
    const pending = rec?.pendingKey?.key;
    if (rec === undefined || pending === undefined) throw localError('UNKNOWN_USER', `the key of ${peer} has not changed; there is nothing to trust`);
    if (formatFingerprint(keyFingerprint(pending)) !== fingerprint) {
      throw localError('USAGE', `${peer} has offered yet another key since you looked; open the safety number again`);
    }
    await trustNewKey(this.#self.dir, peer, pending);
    await this.#log.keyChange(peer, keyFingerprint(rec.key), keyFingerprint(pending), true).catch(() => undefined);
    await this.#policy.reload();
    void this.#emitState();
    return verifyView(this.#self, peer);
  }

  log(peer: string | undefined): Promise<LogView> {
    return logView(this.#self, peer);
  }

  /** Closes every conversation and the listener. */
  async close(): Promise<void> {
    const l = this.#listener;
    this.#listener = null;
    await Promise.allSettled([...this.#conversations.values()].map((e) => (e.conv.isOpen ? e.conv.close() : Promise.resolve())));
    if (l !== null) await l.close().catch(() => undefined);
    await this.#policy.settle();
    this.#subscribers.clear();
  }
}

/** An error together with what we knew when it happened, for its sentence. */
export class ContextualError extends Error {
  constructor(readonly error: unknown, readonly ctx: FailContext) {
    super('contextual error');
  }
}

function withContext(e: unknown, ctx: FailContext): ContextualError {
  return e instanceof ContextualError ? e : new ContextualError(e, ctx);
}
