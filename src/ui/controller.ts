/**
 * What the page can do, on the agent's side: it is one more client of the agent's messenger
 * (src/app/messenger.ts), like the terminal's `chat`. Conversations are the messenger's: one
 * the terminal opened shows here, one the page opens shows in the terminal, and a message
 * written in either appears in both (the messenger's observer, src/app/observer.ts). The
 * messenger is the only writer of the user's log; this file writes nothing of the home except
 * through the application core (verify, trust, contacts, invitations: keys.ts).
 *
 * All cryptography stays in the agent; the page sees names, fingerprints, texts and sentences.
 */
import { SUITE_NAMES } from '../crypto/aead.js';
import { wipe } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import { formatAddress, formatFingerprint, keyFingerprint, type UsersFile } from '../identity/index.js';
import type { Conversation } from '../chat/conversation.js';
import type { FailContext } from '../app/errors-text.js';
import type { FeedHub, FeedLevel } from '../app/feed-hub.js';
import type { JsonEvent, Reporter } from '../app/host.js';
import { DEFAULT_HISTORY, history } from '../app/history.js';
import { PasswordNeeded, type Messenger } from '../app/messenger.js';
import type { Self } from '../app/self.js';
import { resolveTarget, type Target } from '../app/target.js';
import { KeptPasswords } from './kept-passwords.js';
import { isKeyChange, uiError, withContext } from './errors.js';
import type { ConversationView, ListenerView, MessageView, ServerEvent, StateView } from './protocol.js';
import { contacts, keyChangedEvent } from './views.js';
import { GroupsPage } from './groups-page.js';

interface Entry {
  readonly id: string;
  readonly conv: Conversation;
  readonly origin: 'in' | 'out';
  readonly messages: MessageView[];
  /** The target of the page's own hold on this conversation (released on End). */
  held?: Target | undefined;
  ended?: string;
}

/** What the page runs on: the agent's messenger and its users' feeds. */
export interface PageCore {
  readonly messenger: Messenger;
  readonly feeds: FeedHub;
}

export interface ControllerOptions {
  readonly core: PageCore;
  readonly self: Self;
  readonly users: UsersFile | undefined;
}

const QUIET: Reporter = { status: () => undefined, warn: () => undefined };

export class UiController {
  readonly #core: PageCore;
  readonly #self: Self;
  readonly #users: UsersFile | undefined;
  readonly #subscribers = new Set<(e: ServerEvent) => void>();
  readonly #entries = new Map<string, Entry>();
  readonly #byConv = new Map<Conversation, Entry>();
  readonly #off: (() => void)[] = [];
  /** A connection stopped at a changed key: its target and password, for "trust new key" to reconnect. */
  readonly #kept = new KeptPasswords();
  #nextId = 1;
  #listenHolds = 0;
  /** The page's group view (groups-page.ts). */
  readonly groups: GroupsPage;

  constructor(o: ControllerOptions) {
    this.#core = o.core;
    this.#self = o.self;
    this.#users = o.users;
    const me = o.self.name;
    this.#off.push(
      o.core.messenger.observe({
        conversation: (user, conv, origin) => {
          if (user === me) this.#adopt(conv, origin);
        },
        sent: (user, conv, id, text, by) => {
          if (user !== me || by === this) return;
          const entry = this.#byConv.get(conv) ?? this.#adopt(conv, 'out');
          this.#push(entry, { direction: 'out', id, text, at: Date.now(), delivered: false });
        },
        // From the messenger, after the log and its duplicate check: a retried message shows once.
        received: (user, conv, m) => {
          if (user !== me) return;
          const entry = this.#byConv.get(conv) ?? this.#adopt(conv, 'out');
          this.#push(entry, { direction: 'in', id: m.id, text: m.text, at: m.receivedAt, delivered: true });
        },
      }),
      o.core.feeds.watch(me, (level, text, e) => this.#feedLine(level, text, e)),
    );
    for (const { conv, origin } of o.core.messenger.conversations(me)) this.#adopt(conv, origin);
    this.groups = new GroupsPage({ core: o.core, self: o.self, users: o.users, emit: (e) => this.emit(e) });
  }

  get self(): Self {
    return this.#self;
  }

  get users(): UsersFile | undefined {
    return this.#users;
  }

  /** Registers a receiver of events; returns the function that removes it. */
  subscribe(fn: (e: ServerEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  emit(e: ServerEvent): void {
    for (const fn of this.#subscribers) {
      try {
        fn(e);
      } catch {
        // one broken page must not stop the others or the chat machinery
      }
    }
  }

  async emitState(): Promise<void> {
    try {
      this.emit({ type: 'state', state: await this.state() });
    } catch (e) {
      this.emit({ type: 'notice', level: 'error', message: uiError(e, { established: false }).message });
    }
  }

  /** Where the user listens now, else where their users-file entry says. */
  listenerView(): ListenerView {
    const l = this.#core.messenger.listenerOf(this.#self.name);
    if (l !== undefined) return { on: true, host: l.host, port: l.port };
    return { on: false, host: this.#self.entry?.ip ?? '127.0.0.1', port: this.#self.entry?.port ?? 0 };
  }

  async state(): Promise<StateView> {
    return {
      self: { name: this.#self.name, fingerprint: formatFingerprint(this.#self.identity.fingerprint) },
      contacts: await contacts(this.#self, this.#users),
      conversations: [...this.#entries.values()].map((e) => this.#view(e)),
      listener: this.listenerView(),
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

  #push(entry: Entry, message: MessageView): void {
    entry.messages.push(message);
    this.emit({ type: 'message', conversation: entry.id, message });
  }

  /** Shows a conversation of the messenger's: its history from the log, then what happens on it. */
  #adopt(conv: Conversation, origin: 'in' | 'out'): Entry {
    const have = this.#byConv.get(conv);
    if (have !== undefined) return have;
    const entry: Entry = { id: `c${this.#nextId++}`, conv, origin, messages: [] };
    this.#entries.set(entry.id, entry);
    this.#byConv.set(conv, entry);
    const peer = conv.info.peer.name;
    const since = Date.now();
    void history(this.#self.dir, peer, DEFAULT_HISTORY)
      .then((found) => {
        const old = found.items.filter((h) => h.at < since).map((h): MessageView => ({ direction: h.direction, id: 0, text: h.text, at: h.at, delivered: h.direction === 'out', history: true }));
        entry.messages.unshift(...old);
      })
      .catch(() => undefined)
      .finally(() => void this.emitState());
    conv.on('receipt', (n) => {
      const i = entry.messages.findIndex((x) => x.direction === 'out' && x.id === n && x.history !== true);
      const old = entry.messages[i];
      if (old !== undefined) entry.messages[i] = { ...old, delivered: true };
      this.emit({ type: 'receipt', conversation: entry.id, id: n });
    });
    conv.on('closed', (reason, error) => {
      if (error !== undefined) entry.ended = uiError(error, { established: true, peer }).message;
      else entry.ended = reason === 'peer' ? `${peer} left the conversation` : 'you closed the conversation';
      const held = entry.held;
      entry.held = undefined;
      if (held !== undefined) void this.#core.messenger.release(this.#self.name, held).catch(() => undefined);
      void this.emitState();
    });
    void this.emitState();
    return entry;
  }

  /** The listener's notices (refused and failed connections) as the page's notices. */
  #feedLine(level: FeedLevel, text: string, e: JsonEvent | undefined): void {
    const kind = e?.event;
    if (kind === 'refused' || kind === 'handshake-failed' || (kind === 'error' && level === 'warn')) {
      this.emit({ type: 'notice', level: 'info', message: text });
    }
  }

  /**
   * Opens (or joins) the conversation with `to` (a contact's name or NAME@HOST:PORT). A contact
   * reconnects by keys; otherwise `password` is needed (`PASSWORD_NEEDED` without it). The
   * password is wiped here; after a refused key change a copy is kept (kept-passwords.ts) so
   * "trust new key" can reconnect.
   */
  async connect(to: string, password: Uint8Array | undefined): Promise<ConversationView> {
    const ctx: FailContext = { established: false };
    try {
      const target = resolveTarget(to, this.#users);
      ctx.peer = target.account;
      ctx.address = formatAddress(target.host, target.port);
      return await this.#hold(target, password, ctx);
    } catch (e) {
      throw withContext(e, ctx);
    } finally {
      if (password !== undefined) wipe(password);
    }
  }

  async #hold(target: Target, password: Uint8Array | undefined, ctx: FailContext): Promise<ConversationView> {
    const m = this.#core.messenger;
    if (password === undefined && m.needsPassword(this.#self.name, target)) throw new PasswordNeeded(target.account);
    const keep = password === undefined ? undefined : Uint8Array.from(password);
    try {
      const r = await m.hold({ as: this.#self.name, target, usersPath: this.#users?.path, password: password === undefined ? undefined : Uint8Array.from(password), by: this }, QUIET, ctx);
      const entry = [...this.#entries.values()].reverse().find((e) => e.conv.isOpen && e.conv.info.peer.name === r.peer && e.origin === 'out');
      if (entry === undefined) {
        await m.release(this.#self.name, target);
        throw localError('CONNECTION_LOST', `the conversation with ${r.peer} ended at once`);
      }
      if (entry.held === undefined) entry.held = target;
      else await m.release(this.#self.name, target); // one hold per conversation is the page's
      void this.emitState();
      return this.#view(entry);
    } catch (e) {
      if (isKeyChange(e)) {
        if (keep !== undefined) this.#kept.keep(target, keep);
        void keyChangedEvent(this.#self, target.account).then((ev) => {
          if (ev !== undefined) this.emit(ev);
        });
        throw e;
      }
      if (keep !== undefined) wipe(keep);
      throw e;
    }
  }

  /** After "trust new key": reconnects the connection that stopped at `peer`'s changed key, if there was one. */
  async reconnectAfterTrust(peer: string): Promise<ConversationView | undefined> {
    const r = this.#kept.take(peer);
    if (r === undefined) return undefined;
    const ctx: FailContext = { established: false, peer, address: formatAddress(r.target.host, r.target.port) };
    try {
      return await this.#hold(r.target, r.password, ctx);
    } catch (e) {
      throw withContext(e, ctx);
    } finally {
      wipe(r.password);
    }
  }

  /** Forgets a kept password (the person chose "do not trust"). */
  forgetRetry(peer: string): void {
    this.#kept.drop(peer);
  }

  #entry(id: string): Entry {
    const e = this.#entries.get(id);
    if (e === undefined) throw localError('USAGE', 'that conversation does not exist (any more); choose a contact to start a new one');
    return e;
  }

  /** Writes `text` on conversation `id`; resolves once it left (its receipt arrives as an event). */
  send(id: string, text: string): Promise<MessageView> {
    const entry = this.#entry(id);
    const peer = entry.conv.info.peer.name;
    const ctx: FailContext = { established: true, peer };
    if (text === '') return Promise.reject(withContext(localError('USAGE', 'the message is empty'), ctx));
    let sent: MessageView | undefined;
    const report: Reporter = {
      status: (_t, e) => {
        if (e?.event === 'sent' && typeof e['id'] === 'number' && sent === undefined) {
          sent = { direction: 'out', id: e['id'], text, at: Date.now(), delivered: false };
          this.#push(entry, sent);
        }
      },
      warn: () => undefined,
    };
    // say() writes synchronously before its first await: `sent` is known when it returns.
    const delivery = this.#core.messenger.say(this.#self.name, peer, text, report, ctx, undefined, this);
    delivery.catch((e: unknown) => {
      if (sent !== undefined) this.emit({ type: 'notice', level: 'error', message: uiError(e, ctx).message });
    });
    if (sent !== undefined) return Promise.resolve(sent);
    return delivery.then(
      () => Promise.reject(withContext(localError('INTERNAL', 'the message left without an id'), ctx)),
      (e: unknown) => Promise.reject(withContext(e, ctx)),
    );
  }

  /** Ends conversation `id` (an authenticated close), or dismisses it when it has ended. */
  async closeConversation(id: string): Promise<void> {
    const entry = this.#entry(id);
    if (!entry.conv.isOpen) {
      this.#entries.delete(id);
      this.#byConv.delete(entry.conv);
      await this.emitState();
      return;
    }
    const held = entry.held;
    entry.held = undefined;
    if (held !== undefined) await this.#core.messenger.release(this.#self.name, held);
    if (entry.conv.isOpen) await entry.conv.close();
  }

  /** Turns the page's hold on the user's listener on (on `port`, default the users file's) or off. */
  async setListening(on: boolean, port?: number): Promise<ListenerView> {
    const m = this.#core.messenger;
    const me = this.#self.name;
    if (on && m.listenerOf(me) === undefined) {
      const p = port ?? this.#self.entry?.port ?? 0;
      const ctx: FailContext = { established: false, port: p, user: me };
      try {
        await m.listen(me, { host: this.#self.entry?.ip, port: p, usersPath: this.#users?.path }, QUIET, ctx);
        this.#listenHolds++;
      } catch (e) {
        throw withContext(e, ctx);
      }
    } else if (!on && m.listenerOf(me) !== undefined) {
      if (this.#listenHolds === 0) throw localError('USAGE', `${me} listens for a \`securechat listen\` in a terminal; stop it there`);
      this.#listenHolds--;
      await m.unlisten(me);
    }
    void this.emitState();
    return this.listenerView();
  }

  /** Releases everything the page holds (its conversations and its listener), wipes kept passwords. */
  async close(): Promise<void> {
    for (const f of this.#off.splice(0)) f();
    this.groups.close();
    this.#kept.clear();
    const m = this.#core.messenger;
    const held = [...this.#entries.values()].flatMap((e) => (e.held === undefined ? [] : [e.held]));
    for (const e of this.#entries.values()) e.held = undefined;
    await Promise.allSettled(held.map((t) => m.release(this.#self.name, t)));
    for (; this.#listenHolds > 0; this.#listenHolds--) await m.unlisten(this.#self.name).catch(() => undefined);
    this.#subscribers.clear();
  }
}
