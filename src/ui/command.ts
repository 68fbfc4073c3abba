/**
 * `securechat ui`: the graphical interface in the user's own browser. Starts a server on
 * 127.0.0.1 (src/ui/server.ts), prints the first URL (with its one-time token) and opens it
 * where a desktop is present. Runs until Ctrl-C; the page does everything the chat command does.
 */
import { optBool, optPort, optString, type Parsed } from '../cli/args.js';
import type { Command } from '../cli/command.js';
import type { Cli } from '../cli/context.js';
import { ExitCode } from '../cli/exit-codes.js';
import { ConversationLog } from '../cli/log-sink.js';
import { loadSelf, selfName } from '../cli/self.js';
import { UiController } from './controller.js';
import { openBrowser } from './open.js';
import { startUiServer, type UiServer } from './server.js';

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
export async function startUi(cli: Cli, o: StartUiOptions = {}): Promise<RunningUi> {
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

export async function runUi(cli: Cli, args: Parsed): Promise<ExitCode> {
  const port = optPort(args, 'port', true) ?? 0;
  cli.fail.port = port;
  const as = optString(args, 'as');
  const ui = await startUi(cli, { port, ...(as === undefined ? {} : { as }) });
  cli.onCleanup(() => ui.close());
  const url = ui.server.url;
  cli.out.status(`the page for ${(await ui.controller.state()).self.name} is at (the link works once, in one browser):`);
  cli.out.line(url, { event: 'ui', url, port: ui.server.port });
  if (!optBool(args, 'no-open') && openBrowser(url, cli.env)) cli.out.status('opened it in your browser; Ctrl-C stops');
  else cli.out.status('open it in your browser; Ctrl-C stops');
  await new Promise<never>(() => undefined);
  return ExitCode.OK;
}

export const uiCommand: Command = {
  name: 'ui',
  summary: 'chat from a page in your own browser (served by this machine only)',
  help: `usage: securechat ui [--port N] [--no-open] [--as NAME]

Starts a private web server on 127.0.0.1 and prints a link to it. The link carries a
one-time secret: the first browser that opens it gets the session, and the secret leaves
the address bar. Everything securechat does happens in this process; the page only shows
it. From the page: contacts and their verification state, conversations with delivery
receipts, listening for incoming conversations, safety numbers (digits and QR code), and
your conversation log. Ctrl-C stops.

options:
  --port N    the port of the page (default: any free port)
  --no-open   do not open the browser, only print the link
  --as NAME   who you are (default: the only local user)`,
  options: { port: { type: 'string' }, 'no-open': { type: 'boolean' }, as: { type: 'string' } },
  positionals: 0,
  run: runUi,
};
