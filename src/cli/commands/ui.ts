/**
 * `securechat ui`: the page in the user's own browser, served by the agent (docs/UI.md). Asks
 * the agent (started on first use) for the page of the local user and a fresh one-time link,
 * prints it, opens it where a desktop is present, and exits: the page lives as long as the agent.
 */
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { optBool, optPort, optString, type Parsed } from '../args.js';
import type { Command } from '../command.js';
import type { Cli } from '../context.js';
import { ExitCode } from '../../app/exit-codes.js';
import { openBrowser } from '../../app/open-browser.js';
import { selfName } from '../../app/self.js';
import { agentFor, reportFailure } from '../agent-link.js';

export async function runUi(cli: Cli, args: Parsed): Promise<ExitCode> {
  const port = optPort(args, 'port', true) ?? 0;
  cli.fail.port = port;
  const users = await cli.users(false);
  const as = await selfName(cli, optString(args, 'as'), undefined, users);
  const agent = await agentFor(cli);
  let r;
  try {
    r = await agent.call('ui', { as, port, ...(users === undefined ? {} : { users: users.path }) });
  } catch (e) {
    if (e instanceof AgentError) return reportFailure(cli, e);
    throw e;
  }
  const o = typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as JsonObject) : {};
  const url = typeof o['url'] === 'string' ? o['url'] : '';
  const pagePort = typeof o['port'] === 'number' ? o['port'] : port;
  cli.out.status(`the page for ${as} is at (the link works once, in one browser; \`securechat ui\` prints a fresh one):`);
  const usersFile = typeof o['users'] === 'string' ? o['users'] : undefined;
  cli.out.line(url, { event: 'ui', url, port: pagePort, as, started: o['started'] === true, ...(usersFile === undefined ? {} : { users: usersFile }) });
  if (o['started'] !== true && usersFile !== undefined) cli.out.status(`the page uses the users file ${usersFile}`);
  const redirect = typeof o['redirect'] === 'string' ? o['redirect'] : undefined;
  // The opener gets the path of the agent's redirect page, never the link (argv is public).
  const opened = !optBool(args, 'no-open') && redirect !== undefined && openBrowser(redirect, cli.env);
  cli.out.status(`${opened ? 'opened it in your browser' : 'open it in your browser'}; the agent serves it until \`securechat agent stop\` (or 5 minutes after the last page closed)`);
  return ExitCode.OK;
}

export const uiCommand: Command = {
  name: 'ui',
  summary: 'chat from a page in your own browser (served by the agent, on this machine only)',
  help: `usage: securechat ui [--port N] [--no-open] [--as NAME]

Prints a link to your page, served by the agent on 127.0.0.1 (the agent is started if it is
not running). The page and the terminal are clients of the same agent: a conversation, its
messages and receipts show in both. The link carries a one-time secret: the first browser that
opens it gets the session, and the secret leaves the address bar; run \`securechat ui\` again
for a fresh link (to the same page) for another browser. From the page: contacts and their key
state, conversations with history and delivery receipts, listening, invitations (code and QR
code), accepting one, safety numbers, and your conversation log.

options:
  --port N    the page's port when the agent starts it (default: any free port)
  --no-open   do not open the browser, only print the link
  --as NAME   who you are (default: the only local user)`,
  options: { port: { type: 'string' }, 'no-open': { type: 'boolean' }, as: { type: 'string' } },
  positionals: 0,
  run: runUi,
};
