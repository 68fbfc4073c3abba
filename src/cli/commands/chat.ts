/** `securechat chat --to NAME`: an interactive conversation, both directions at once. */
import { localError } from '../../errors.js';
import { DEFAULT_HISTORY } from '../../app/history.js';
import { optBool, optPort, optString } from '../args.js';
import { agentChat } from '../agent-chat.js';
import type { Command } from '../command.js';
import { selfName } from '../../app/self.js';
import { historyOption } from '../history-view.js';
import { resolveTarget } from '../../app/target.js';

export const chatCommand: Command = {
  name: 'chat',
  summary: 'talk with someone: both directions at once, with delivery receipts',
  help: `usage: securechat chat --to NAME|HOST:PORT|NAME@HOST:PORT [--as NAME]
       securechat chat --listen [--as NAME] [--port N] [--host ADDRESS]

Connects to NAME's listener with NAME's password (asked for, hidden, on a terminal; else the
first line of standard input, or --password-file) and starts a conversation: each line you
type is sent, NAME's messages appear as they arrive, and each message you sent is marked
delivered when NAME's receipt comes back. It starts with the last messages with NAME from
your log, each marked "history".
With --listen, you wait for others to connect to you instead: everyone who connects is served
at once, each conversation starting with its history; when someone leaves you are told and
it keeps listening (Ctrl-C, Ctrl-D or /quit stops).
Every conversation of yours shows here, each line prefixed by the peer. Plain lines go to the
current peer (the prompt names it): NAME with --to, else whoever connected or wrote last;
\`@carol TEXT\` writes one line to carol, \`/to carol\` makes carol the current peer, /verify
shows the safety number, /help lists the commands, /quit leaves. The conversations are held
by your agent (started when it is not running), so \`send\` as you from another terminal joins
them, and a second \`chat --listen\` as you joins the same listener.
With piped input, every further line is a message; at its end the outstanding receipts are
awaited, then --to closes, and --listen stays until the conversations open then have ended.

options:
  --to TARGET     whom to talk to: a username, or HOST:PORT, or NAME@HOST:PORT
  --as NAME       who you are (default: the users-file entry with --port, else the only local user)
  --port N        your own port (to find --as; with --listen, where to listen)
  --host ADDRESS  with --listen: the address to listen on (default: your users-file entry's)
  --listen        wait for others to connect instead of connecting
  --accept-ksf    accept more password hashing work than at your first login with TARGET
  --history N     show the last N messages with each peer first, from your log (default ${DEFAULT_HISTORY}; 0: none)`,
  options: { 'accept-ksf': { type: 'boolean' }, to: { type: 'string' }, as: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, listen: { type: 'boolean' }, history: { type: 'string' } },
  positionals: 0,
  async run(cli, args) {
    const to = optString(args, 'to');
    const historyCount = historyOption(optString(args, 'history'));
    if (optBool(args, 'listen')) {
      if (to !== undefined) throw localError('USAGE', 'use either --to (connect) or --listen (wait), not both');
      const users = await cli.users(false);
      const portOpt = optPort(args, 'port', true);
      const as = await selfName(cli, optString(args, 'as'), portOpt, users);
      const entry = users?.users.find((u) => u.username === as);
      const port = portOpt ?? entry?.port;
      if (port === undefined) throw localError('USAGE', `on which port should ${as} listen? ${as} is not in the users file; give --port N`);
      cli.fail.port = port;
      cli.fail.user = as;
      const listen = { host: optString(args, 'host') ?? entry?.ip, port, usersPath: users?.path };
      return agentChat(cli, { as, listen, usersPath: users?.path, history: historyCount });
    }
    if (to === undefined || to === '') throw localError('USAGE', 'say whom to talk to with --to NAME; see `securechat chat --help`');
    const users = await cli.users(false);
    const target = resolveTarget(to, users);
    const as = await selfName(cli, optString(args, 'as'), optPort(args, 'port'), users);
    cli.fail.user = as;
    cli.fail.peer = target.account;
    return agentChat(cli, { as, target, usersPath: users?.path, history: historyCount, acceptKsf: optBool(args, 'accept-ksf') });
  },
};
