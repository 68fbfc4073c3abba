/**
 * The agent serves the page (docs/UI.md "Where the page runs"): one private HTTP/WebSocket
 * server on 127.0.0.1 per local user, started by the first `ui` request and kept until the
 * agent stops. Every `ui` request gets a fresh one-time link to the same page, and the page uses
 * the users file the latest request named (one naming none keeps the one in use). The page is
 * one more client of the agent's messenger, so the agent stays the only writer of the home.
 */
import { startUi, type PageHost, type RunningUi } from '../ui/start.js';

export interface OpenedPage {
  readonly url: string;
  readonly port: number;
  /** False when the page was running already (this is a fresh link to it). */
  readonly started: boolean;
  /** The users file the page uses now (the one this call named, else the one in use). */
  readonly usersFile: string | undefined;
}

export class Pages {
  readonly #host: PageHost;
  readonly #onActivity: () => void;
  readonly #pages = new Map<string, Promise<RunningUi>>();
  #closed = false;

  constructor(host: PageHost, onActivity: () => void) {
    this.#host = host;
    this.#onActivity = onActivity;
  }

  /** True while a page is open in a browser (the agent does not idle out then). */
  get active(): boolean {
    return this.#open > 0;
  }

  #open = 0;
  readonly #counts = new Map<string, number>();

  /** The page of `as` (started now on `port` if it is not running), with a fresh one-time link. */
  async open(as: string, usersPath: string | undefined, port: number): Promise<OpenedPage> {
    if (this.#closed) throw new Error('the agent is stopping');
    let p = this.#pages.get(as);
    const started = p === undefined;
    if (p === undefined) {
      p = startUi(this.#host, {
        as,
        usersPath,
        port,
        onActivity: (n) => {
          this.#counts.set(as, n);
          this.#open = [...this.#counts.values()].reduce((a, b) => a + b, 0);
          this.#onActivity();
        },
      });
      this.#pages.set(as, p);
      p.catch(() => {
        if (this.#pages.get(as) === p) this.#pages.delete(as);
      });
    }
    const ui = await p;
    // A later call that names another users file switches the running page to it (F6: it kept the first).
    if (!started && usersPath !== undefined && ui.controller.users?.path !== usersPath) await ui.useUsersFile(usersPath);
    return { url: started ? ui.server.url : ui.server.link(), port: ui.server.port, started, usersFile: ui.controller.users?.path };
  }

  /** Stops every page (the agent is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#pages.values()];
    this.#pages.clear();
    await Promise.allSettled(all.map(async (p) => (await p).close()));
  }
}
