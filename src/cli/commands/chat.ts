/** `securechat chat --to NAME`: an interactive conversation, both directions at once. */
import { localError } from '../../errors.js';
import { DEFAULT_HISTORY } from '../../app/history.js';
import { optBool, optPort, optString } from '../args.js';
import { receiveOne } from '../receive.js';
import { agentChat } from '../agent-chat.js';
import type { Command } from '../command.js';
import { loadSelf, selfName } from '../../app/self.js';
import { resolveTarget } from '../../app/target.js';
import { groupChat } from '../group-chat.js';

function historyOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_HISTORY;
  if (!/^\d{1,6}$/.test(text)) throw localError('USAGE', `--history must be a number of messages (0 for none), not "${text.slice(0, 20)}"`);
  return Number(text);
}

export const chatCommand: Command = {
  name: 'chat',
  summary: 'talk with someone: both directions at once, with delivery receipts',
  help: `usage: securechat chat --to NAME|HOST:PORT|NAME@HOST:PORT [--as NAME]
       securechat chat --listen [--as NAME] [--port N]
       securechat chat --group GROUP [--as NAME]

Connects to NAME's listener with NAME's password (asked for, hidden, on a terminal; else the
first line of standard input, or --password-file) and starts a conversation: each line you
type is sent, NAME's messages appear as they arrive, and each message you sent is marked
delivered when NAME's receipt comes back. Commands: /verify (safety number), /help, /quit.
It starts with the last messages with NAME from your log, each marked "history". The
conversation is held by your agent (started when it is not running), so \`send\` as you from
another terminal joins it; messages from your other conversations show here too, and
\`@carol TEXT\` writes to carol, \`/to carol\` switches to her.
With piped input, every further line is a message; at its end the outstanding receipts are
awaited and the conversation closes. With --listen, you wait for someone to connect to
you instead (as \`listen\` does) and chat with the first one who does.

options:
  --to TARGET   whom to talk to: a username, or HOST:PORT, or NAME@HOST:PORT
  --as NAME     who you are (default: the users-file entry with --port, else the only local user)
  --port N      your own port (to find --as; with --listen, where to listen)
  --listen      wait for someone to connect instead of connecting
  --group NAME  read and write in a group (see \`securechat group --help\`)
  --accept-ksf  accept more password hashing work than at your first login with TARGET
  --history N   show the last N messages with the peer first, from your log (default ${DEFAULT_HISTORY}; 0: none)`,
  options: { 'accept-ksf': { type: 'boolean' }, to: { type: 'string' }, as: { type: 'string' }, port: { type: 'string' }, listen: { type: 'boolean' }, history: { type: 'string' }, group: { type: 'string' } },
  positionals: 0,
  async run(cli, args) {
    const to = optString(args, 'to');
    const historyCount = historyOption(optString(args, 'history'));
    const group = optString(args, 'group');
    if (group !== undefined) {
      const users = await cli.users(false).catch(() => undefined);
      return groupChat(cli, { as: await selfName(cli, optString(args, 'as'), optPort(args, 'port'), users), group, usersPath: users?.path });
    }
    if (optBool(args, 'listen')) {
      if (to !== undefined) throw localError('USAGE', 'use either --to (connect) or --listen (wait), not both');
      const users = await cli.users(false);
      const portOpt = optPort(args, 'port', true);
      const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), portOpt, users), users, true);
      const port = portOpt ?? self.entry?.port;
      if (port === undefined) throw localError('USAGE', `on which port should ${self.name} listen? ${self.name} is not in the users file; give --port N`);
      cli.fail.port = port;
      return receiveOne(cli, self, users, self.entry?.ip, port, historyCount);
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
