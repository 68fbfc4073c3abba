/** `securechat send --to NAME --message TEXT`: one message; exit 0 only when its receipt arrived. */
import { localError } from '../../errors.js';
import { optBool, optPort, optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { runLegacySend } from '../legacy.js';
import { selfName } from '../../app/self.js';
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { wipe } from '../../crypto/bytes.js';
import { agentFor, isPasswordNeeded, reportFailure, showProgress } from '../agent-link.js';
import { resolveTarget } from '../../app/target.js';
import type { Cli } from '../context.js';

/** Exit 0 once delivered; QUEUED (9) when the message waits in the outbox (the "queued" line came as progress). */
function sendOutcome(cli: Cli, peer: string, r: unknown): ExitCode {
  const o = typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as JsonObject) : {};
  if (o['delivered'] === false) return ExitCode.QUEUED;
  if (o['queued'] === true && typeof o['messageId'] === 'string') {
    cli.out.status(`delivered the queued message to ${peer}`, { event: 'delivered', to: peer, messageId: o['messageId'] });
  }
  return ExitCode.OK;
}

export const sendCommand: Command = {
  name: 'send',
  summary: 'send one message; succeeds only when the delivery receipt arrives',
  help: `usage: securechat send --to NAME|HOST:PORT|NAME@HOST:PORT --message TEXT [--as NAME]
       securechat send --legacy --to NAME|HOST:PORT --message TEXT

Connects to NAME (its address from the users file), logs in with NAME's password (asked
for, hidden, on a terminal; else the first line of standard input or --password-file),
sends TEXT, and waits for NAME's delivery receipt, which NAME sends only once the message
is stored in its log. Exit 0 means it arrived. Your identity key is created on first use.
To a contact (after one password login) that cannot be reached now, the message is queued
in your outbox, encrypted in your home: \`send\` says "queued" and exits 9, and your agent
delivers it when NAME can be reached (retrying, and at once when NAME connects to you), in
order, for up to 7 days. \`--wait\` waits until it is delivered. \`securechat outbox\` lists
what waits.
The message goes through your agent (started in the background when it is not running;
see \`securechat agent --help\`): many sends at once share one conversation, and the
password is asked only when no conversation with NAME is open.

options:
  --to TARGET     whom to send to: a username, or HOST:PORT, or NAME@HOST:PORT
  --message TEXT  the message (a single argument; quote it)
  --as NAME       who you are (default: the users-file entry with --port, else the only local user)
  --port N        your own port in the users file (used to find --as)
  --accept-ksf    accept more password hashing work than at your first login with TARGET
  --wait          if the message is queued, wait until it is delivered (exit 0 then)
  --legacy        use the original program's insecure protocol (see the warning it prints)`,
  options: { to: { type: 'string' }, message: { type: 'string' }, as: { type: 'string' }, port: { type: 'string' }, legacy: { type: 'boolean' }, 'accept-ksf': { type: 'boolean' }, wait: { type: 'boolean' } },
  positionals: 0,
  async run(cli, args) {
    const to = optString(args, 'to');
    const text = optString(args, 'message');
    if (to === undefined || to === '') throw localError('USAGE', 'say whom to send to with --to NAME; see `securechat send --help`');
    if (text === undefined) throw localError('USAGE', 'say what to send with --message TEXT; see `securechat send --help`');
    if (text === '') throw localError('USAGE', 'the message is empty');
    const users = await cli.users(false);
    const target = resolveTarget(to, users);
    if (optBool(args, 'legacy')) return runLegacySend(cli, target, text, optString(args, 'as'));
    const as = await selfName(cli, optString(args, 'as'), optPort(args, 'port'), users);
    cli.fail.user = as;
    cli.fail.peer = target.account;
    const agent = await agentFor(cli);
    const params = { as, to: { account: target.account, host: target.host, port: target.port }, text, ...(users === undefined ? {} : { users: users.path }), ...(optBool(args, 'accept-ksf') ? { acceptKsf: true } : {}), ...(optBool(args, 'wait') ? { wait: true } : {}) };
    const progress = (p: JsonObject): void => showProgress(cli, p);
    try {
      try {
        return sendOutcome(cli, target.account, await agent.call('send', params, progress));
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
