/**
 * The page's "Listen for incoming" switch: a hold on the user's listener in the agent's
 * messenger (shared with `securechat listen` in a terminal: the page can only drop the holds
 * it took).
 */
import { localError } from '../errors.js';
import type { FailContext } from '../app/errors-text.js';
import type { Reporter } from '../app/host.js';
import { withContext } from './errors.js';
import type { PageContext } from './page-context.js';
import type { ListenerView } from './protocol.js';

const QUIET: Reporter = { status: () => undefined, warn: () => undefined };

export class PageListener {
  readonly #ctx: PageContext;
  #holds = 0;

  constructor(ctx: PageContext) {
    this.#ctx = ctx;
  }

  /** Where the user listens now, else where their users-file entry says. */
  view(): ListenerView {
    const self = this.#ctx.self();
    const l = this.#ctx.core.messenger.listenerOf(self.name);
    if (l !== undefined) return { on: true, host: l.host, port: l.port };
    return { on: false, host: self.entry?.ip ?? '127.0.0.1', port: self.entry?.port ?? 0 };
  }

  /** Turns the page's hold on the user's listener on (on `port`, default the users file's) or off. */
  async set(on: boolean, port?: number): Promise<ListenerView> {
    const m = this.#ctx.core.messenger;
    const self = this.#ctx.self();
    const me = self.name;
    if (on && m.listenerOf(me) === undefined) {
      const p = port ?? self.entry?.port ?? 0;
      const ctx: FailContext = { established: false, port: p, user: me };
      try {
        await m.listen(me, { host: self.entry?.ip, port: p, usersPath: this.#ctx.users()?.path }, QUIET, ctx);
        this.#holds++;
      } catch (e) {
        throw withContext(e, ctx);
      }
    } else if (!on && m.listenerOf(me) !== undefined) {
      if (this.#holds === 0) throw localError('USAGE', `${me} listens for a \`securechat listen\` in a terminal; stop it there`);
      this.#holds--;
      await m.unlisten(me);
    }
    this.#ctx.changed();
    return this.view();
  }

  /** Drops the holds the page took (the page is closing). */
  async release(): Promise<void> {
    const me = this.#ctx.self().name;
    for (; this.#holds > 0; this.#holds--) await this.#ctx.core.messenger.unlisten(me).catch(() => undefined);
  }
}
