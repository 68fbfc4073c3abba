/**
 * `securechat ui`: the graphical interface in the user's own browser. Starts a server on
 * 127.0.0.1 (src/ui/server.ts), prints the first URL (with its one-time token) and opens it
 * where a desktop is present. Runs until Ctrl-C; the page does everything the chat command does.
 */
import { optBool, optPort, optString, type Parsed } from '../args.js';
import type { Command } from '../command.js';
import type { Cli } from '../context.js';
import { ExitCode } from '../../app/exit-codes.js';
import { openBrowser } from '../../ui/open.js';
import { startUi } from '../../ui/start.js';

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
