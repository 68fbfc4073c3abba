/** `securechat send --to NAME --message TEXT`: one message; exit 0 only when its receipt arrived. */
import { localError } from '../../errors.js';
import { optBool, optPort, optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { selfName } from '../../app/self-name.js';
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { wipe } from '../../crypto/bytes.js';
import { agentFor, isPasswordNeeded, reportFailure, showProgress } from '../agent-link.js';
import { resolveTarget } from '../../app/target.js';

export const sendCommand: Command = {
  name: 'send',
  summary: 'send one message; succeeds only when the delivery receipt arrives',
  help: `usage: securechat send --to NAME|HOST:PORT|NAME@HOST:PORT --message TEXT [--as NAME]
       securechat send --legacy --to NAME|HOST:PORT --message TEXT

Connects to NAME (its address from the users file), logs in with NAME's password (asked
for, hidden, on a terminal; else the first line of standard input or --password-file),
sends TEXT, and waits for NAME's delivery receipt, which NAME sends only once the message
is stored in its log. Exit 0 means it arrived. Your identity key is created on first use.
The message goes through your agent (started in the background when it is not running;
see \`securechat agent --help\`): many sends at once share one conversation, and the
password is asked only when no conversation with NAME is open.

options:
  --to TARGET     whom to send to: a username, or HOST:PORT, or NAME@HOST:PORT
  --message TEXT  the message (a single argument; quote it)
  --as NAME       who you are (default: the users-file entry with --port, else the only local user)
  --port N        your own port in the users file (used to find --as)
  --accept-ksf    accept more password hashing work than at your first login with TARGET
  --legacy        use the original program's insecure protocol (see the warning it prints)`,
  options: { to: { type: 'string' }, message: { type: 'string' }, as: { type: 'string' }, port: { type: 'string' }, legacy: { type: 'boolean' }, 'accept-ksf': { type: 'boolean' } },
  positionals: 0,
  async run(cli, args) {
    const to = optString(args, 'to');
    const text = optString(args, 'message');
    if (to === undefined || to === '') throw localError('USAGE', 'say whom to send to with --to NAME; see `securechat send --help`');
    if (text === undefined) throw localError('USAGE', 'say what to send with --message TEXT; see `securechat send --help`');
    if (text === '') throw localError('USAGE', 'the message is empty');
    const users = await cli.users(false);
    const target = resolveTarget(to, users);
    if (optBool(args, 'legacy')) return (await import('../legacy.js')).runLegacySend(cli, target, text, optString(args, 'as'));
    const as = await selfName(cli, optString(args, 'as'), optPort(args, 'port'), users);
    cli.fail.user = as;
    cli.fail.peer = target.account;
    const agent = await agentFor(cli);
    const params = { as, to: { account: target.account, host: target.host, port: target.port }, text, ...(users === undefined ? {} : { users: users.path }), ...(optBool(args, 'accept-ksf') ? { acceptKsf: true } : {}) };
    const progress = (p: JsonObject): void => showProgress(cli, p);
    try {
      try {
        await agent.call('send', params, progress);
      } catch (e) {
        if (!isPasswordNeeded(e)) throw e;
        const pw = await cli.password(`password of ${target.account}: `);
        const password = Buffer.from(pw).toString('base64');
        wipe(pw);
        await agent.call('send', { ...params, password }, progress);
      }
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
    return ExitCode.OK;
  },
};
