/**
 * Opening a conversation from the page: to a contact's name or NAME@HOST:PORT. A contact
 * reconnects by keys; otherwise the listener's password is needed (`PASSWORD_NEEDED` without
 * it). The password is wiped here; after a refused key change a copy is kept
 * (kept-passwords.ts) so that "trust new key" can make the same connection again.
 */
import { wipe } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import { formatAddress } from '../identity/index.js';
import type { FailContext } from '../app/errors-text.js';
import type { Reporter } from '../app/host.js';
import { PasswordNeeded } from '../app/messenger.js';
import { resolveTarget, type Target } from '../app/target.js';
import { KeptPasswords } from './kept-passwords.js';
import { isKeyChange, withContext } from './errors.js';
import type { PageContext } from './page-context.js';
import type { PageConversations } from './page-conversations.js';
import type { ConversationView } from './protocol.js';
import { keyChangedEvent } from './views.js';

const QUIET: Reporter = { status: () => undefined, warn: () => undefined };

export class PageConnector {
  readonly #ctx: PageContext;
  readonly #conversations: PageConversations;
  /** A connection stopped at a changed key: its target and password, for "trust new key" to reconnect. */
  readonly #kept = new KeptPasswords();

  constructor(ctx: PageContext, conversations: PageConversations) {
    this.#ctx = ctx;
    this.#conversations = conversations;
  }

  /** Opens (or joins) the conversation with `to`; wipes `password`. */
  async connect(to: string, password: Uint8Array | undefined): Promise<ConversationView> {
    const ctx: FailContext = { established: false };
    try {
      const target = resolveTarget(to, this.#ctx.users());
      ctx.peer = target.account;
      ctx.address = formatAddress(target.host, target.port);
      return await this.#hold(target, password, ctx);
    } catch (e) {
      throw withContext(e, ctx);
    } finally {
      if (password !== undefined) wipe(password);
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

  /** Wipes every kept password (the page is closing). */
  clear(): void {
    this.#kept.clear();
  }

  async #hold(target: Target, password: Uint8Array | undefined, ctx: FailContext): Promise<ConversationView> {
    const m = this.#ctx.core.messenger;
    const self = this.#ctx.self();
    if (password === undefined && m.needsPassword(self.name, target)) throw new PasswordNeeded(target.account);
    const keep = password === undefined ? undefined : Uint8Array.from(password);
    try {
      const r = await m.hold({ as: self.name, target, usersPath: this.#ctx.users()?.path, password: password === undefined ? undefined : Uint8Array.from(password), by: this.#conversations }, QUIET, ctx);
      const view = await this.#conversations.heldBy(r.peer, target);
      if (view === undefined) throw localError('CONNECTION_LOST', `the conversation with ${r.peer} ended at once`);
      this.#ctx.changed();
      return view;
    } catch (e) {
      if (isKeyChange(e)) {
        if (keep !== undefined) this.#kept.keep(target, keep);
        void keyChangedEvent(self, target.account).then((ev) => {
          if (ev !== undefined) this.#ctx.emit(ev);
        });
        throw e;
      }
      if (keep !== undefined) wipe(keep);
      throw e;
    }
  }
}
