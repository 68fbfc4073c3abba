/**
 * What the page can do, on the agent's side: it is one more client of the agent's messenger
 * (src/app/messenger.ts), like the terminal's `chat`. This file composes the parts, one concept
 * each, over one `PageContext` (page-context.ts):
 *
 *   page-conversations.ts  the user's conversations, their messages, receipts and ends; writing
 *   page-connect.ts        opening a conversation (password or keys; "trust new key" reconnects)
 *   page-listener.ts       the "Listen for incoming" switch
 *   keys.ts                safety numbers, trust, the log, contacts, invitations (PageActions)
 *
 * and keeps the page's state (`state()`), its event stream, and the users file in use (the
 * latest `securechat ui` names it: `useUsers`). All cryptography stays in the agent; the page
 * sees names, fingerprints, texts and sentences. The messenger is the only writer of the log.
 */
import { formatFingerprint, type UsersFile } from '../identity/index.js';
import type { FeedLevel } from '../app/feed-hub.js';
import type { JsonEvent } from '../app/host.js';
import type { Self } from '../app/self.js';
import { uiError } from './errors.js';
import { PageConnector } from './page-connect.js';
import { PageEvents, type PageContext, type PageCore } from './page-context.js';
import { PageConversations } from './page-conversations.js';
import { PageListener } from './page-listener.js';
import type { ConversationView, ListenerView, MessageView, ServerEvent, StateView } from './protocol.js';
import { contacts } from './views.js';
import { GroupsPage } from './groups-page.js';

export type { PageContext, PageCore } from './page-context.js';

export interface ControllerOptions {
  readonly core: PageCore;
  readonly self: Self;
  readonly users: UsersFile | undefined;
}

export class UiController {
  #self: Self;
  #users: UsersFile | undefined;
  readonly #events = new PageEvents();
  readonly #off: (() => void)[] = [];
  #seq = 0;
  /** What the parts share; a new part of the page (a group view) is built on it too. */
  readonly context: PageContext;
  readonly conversations: PageConversations;
  readonly #connector: PageConnector;
  readonly #listener: PageListener;
  /** The page's group view (groups-page.ts). */
  readonly groups: GroupsPage;

  constructor(o: ControllerOptions) {
    this.#self = o.self;
    this.#users = o.users;
    this.context = {
      core: o.core,
      self: () => this.#self,
      users: () => this.#users,
      emit: (e) => this.emit(e),
      changed: () => void this.emitState(),
    };
    this.conversations = new PageConversations(this.context);
    this.#connector = new PageConnector(this.context, this.conversations);
    this.#listener = new PageListener(this.context);
    this.#off.push(o.core.feeds.watch(o.self.name, (level, text, e) => this.#feedLine(level, text, e)));
    this.groups = new GroupsPage({ core: o.core, self: o.self, users: () => this.#users, emit: (e) => this.emit(e) });
  }

  get self(): Self {
    return this.#self;
  }

  get users(): UsersFile | undefined {
    return this.#users;
  }

  /**
   * From now on the page uses this users file (the latest `securechat ui` named it) and `self`
   * read with it (its users-file entry: where the user listens); every open page is told.
   */
  useUsers(users: UsersFile | undefined, self: Self): void {
    this.#users = users;
    this.#self = self;
    void this.emitState();
  }

  /** Registers a receiver of events; returns the function that removes it. */
  subscribe(fn: (e: ServerEvent) => void): () => void {
    return this.#events.subscribe(fn);
  }

  emit(e: ServerEvent): void {
    this.#events.emit(e);
  }

  async emitState(): Promise<void> {
    try {
      this.emit({ type: 'state', state: await this.state() });
    } catch (e) {
      this.emit({ type: 'notice', level: 'error', message: uiError(e, { established: false }).message });
    }
  }

  async state(): Promise<StateView> {
    const known = await contacts(this.#self, this.#users);
    return {
      // Taken with the conversations, after the await: a later state always has a higher seq.
      seq: ++this.#seq,
      self: { name: this.#self.name, fingerprint: formatFingerprint(this.#self.identity.fingerprint) },
      contacts: known,
      conversations: this.conversations.views(),
      listener: this.listenerView(),
      ...(this.#users === undefined ? {} : { usersFile: this.#users.path }),
    };
  }

  /** Where the user listens now, else where their users-file entry says. */
  listenerView(): ListenerView {
    return this.#listener.view();
  }

  /** Turns the page's hold on the user's listener on (on `port`, default the users file's) or off. */
  setListening(on: boolean, port?: number): Promise<ListenerView> {
    return this.#listener.set(on, port);
  }

  /** Opens (or joins) the conversation with `to` (a contact's name or NAME@HOST:PORT); wipes `password`. */
  connect(to: string, password: Uint8Array | undefined): Promise<ConversationView> {
    return this.#connector.connect(to, password);
  }

  /** After "trust new key": reconnects the connection that stopped at `peer`'s changed key, if there was one. */
  reconnectAfterTrust(peer: string): Promise<ConversationView | undefined> {
    return this.#connector.reconnectAfterTrust(peer);
  }

  /** Forgets a kept password (the person chose "do not trust"). */
  forgetRetry(peer: string): void {
    this.#connector.forgetRetry(peer);
  }

  /** Writes `text` on conversation `id`; resolves once it left (its receipt arrives as an event). */
  send(id: string, text: string): Promise<MessageView> {
    return this.conversations.send(id, text);
  }

  /** Ends conversation `id` (an authenticated close), or dismisses it when it has ended. */
  closeConversation(id: string): Promise<void> {
    return this.conversations.close(id);
  }

  /** The listener's notices (refused and failed connections) as the page's notices. */
  #feedLine(level: FeedLevel, text: string, e: JsonEvent | undefined): void {
    const kind = e?.event;
    if (kind === 'refused' || kind === 'handshake-failed' || (kind === 'error' && level === 'warn')) {
      this.emit({ type: 'notice', level: 'info', message: text });
    }
  }

  /** Releases everything the page holds (its conversations and its listener), wipes kept passwords. */
  async close(): Promise<void> {
    for (const f of this.#off.splice(0)) f();
    this.groups.close();
    this.#connector.clear();
    await this.conversations.release();
    await this.#listener.release();
    this.#events.clear();
  }
}
