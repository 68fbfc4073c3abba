/**
 * The page's Node side for one local user: the controller (conversations, listener, log) and the
 * private HTTP/WebSocket server on 127.0.0.1 (server.ts). Started by `securechat ui`
 * (src/cli/commands/ui.ts) or by a test, through the application core only.
 */
import type { UsersFile } from '../identity/index.js';
import type { AppHost } from '../app/host.js';
import { ConversationLog } from '../app/log-sink.js';
import { loadSelf, selfName } from '../app/self.js';
import { UiController } from './controller.js';
import { startUiServer, type UiServer } from './server.js';

/** The application host plus the users file (the CLI's context is one). */
export interface UiHost extends AppHost {
  users(required: false): Promise<UsersFile | undefined>;
}

export interface StartUiOptions {
  /** Who the user is (`--as`); default as for the other commands. */
  readonly as?: string;
  /** The UI's own port (0 = any free one). */
  readonly port?: number;
  /** Where the bundled page is (tests). */
  readonly assets?: URL;
}

export interface RunningUi {
  readonly server: UiServer;
  readonly controller: UiController;
  /** Stops the server, closes every conversation and the listener, closes the log. */
  close(): Promise<void>;
}

/** Starts the UI for the local user of `cli` (without printing or opening anything). */
export async function startUi(cli: UiHost, o: StartUiOptions = {}): Promise<RunningUi> {
  const users = await cli.users(false);
  const self = await loadSelf(cli, await selfName(cli, o.as, undefined, users), users, true);
  const log = await ConversationLog.open(self.dir, self.name);
  let controller: UiController;
  try {
    controller = await UiController.create({ cli, self, users, log });
  } catch (e) {
    await log.close();
    throw e;
  }
  let server: UiServer;
  try {
    server = await startUiServer({ controller, port: o.port ?? 0, ...(o.assets === undefined ? {} : { assets: o.assets }) });
  } catch (e) {
    await controller.close();
    await log.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    server,
    controller,
    close() {
      closing ??= (async () => {
        await server.close();
        await controller.close();
        await log.close();
      })();
      return closing;
    },
  };
}

