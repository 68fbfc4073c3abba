/**
 * The page's server side for one local user, run inside the agent (src/agent/page.ts; tests
 * run it on a messenger of their own): the controller, a client of the agent's messenger, and
 * the private HTTP/WebSocket server on 127.0.0.1 (server.ts). It writes nothing of the home
 * except through the application core; the messenger stays the only writer of the log.
 */
import type { KsfParams } from '../crypto/opaque.js';
import { loadUsersFile, type UsersFile } from '../identity/index.js';
import { SILENT } from '../app/host.js';
import { loadSelf } from '../app/self.js';
import { UiController, type PageCore } from './controller.js';
import { PageActions } from './keys.js';
import { startUiServer, type UiServer } from './server.js';

/** What the page needs of the agent: its messenger and feeds, the home, and the key-stretching parameters for invitations. */
export interface PageHost extends PageCore {
  readonly home: string;
  readonly ksf: KsfParams;
}

export interface StartUiOptions {
  /** Who the user is. */
  readonly as: string;
  /** The users file (contacts and addresses shown, fingerprint pins), if any. */
  readonly usersPath?: string | undefined;
  /** The page's own port (0 = any free one). */
  readonly port?: number;
  /** Where the bundled page is (tests). */
  readonly assets?: URL;
  /** The number of open pages changed. */
  readonly onActivity?: (openPages: number) => void;
}

export interface RunningUi {
  readonly server: UiServer;
  readonly controller: UiController;
  /**
   * From now on the page uses the users file at `path` (a later `securechat ui` named it): it is
   * read first, and one that cannot be read changes nothing (the error is thrown).
   */
  useUsersFile(path: string): Promise<void>;
  /** Stops the server and releases what the page held (conversations, listener). */
  close(): Promise<void>;
}

/** Starts the page of `o.as` on `host`'s messenger (without printing or opening anything). */
export async function startUi(host: PageHost, o: StartUiOptions): Promise<RunningUi> {
  const selfWith = (users: UsersFile | undefined): ReturnType<typeof loadSelf> => loadSelf({ home: () => host.home, ksf: () => host.ksf, fail: { established: false }, out: SILENT }, o.as, users, true);
  const users: UsersFile | undefined = o.usersPath === undefined ? undefined : await loadUsersFile(o.usersPath);
  const self = await selfWith(users);
  const controller = new UiController({ core: host, self, users });
  const actions = new PageActions(controller, host.ksf);
  let server: UiServer;
  try {
    server = await startUiServer({
      controller,
      actions,
      port: o.port ?? 0,
      ...(o.assets === undefined ? {} : { assets: o.assets }),
      ...(o.onActivity === undefined ? {} : { onActivity: o.onActivity }),
    });
  } catch (e) {
    await controller.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    server,
    controller,
    async useUsersFile(path) {
      const next = await loadUsersFile(path);
      controller.useUsers(next, await selfWith(next));
    },
    close() {
      closing ??= (async () => {
        await server.close();
        await controller.close();
      })();
      return closing;
    },
  };
}
