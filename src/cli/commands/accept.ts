/** `securechat accept NAME@HOST:PORT#CODE`: use an invitation, through the agent; both sides become contacts. */
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { localError } from '../../errors.js';
import { parseInvitation } from '../../app/contacts-admin.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { selfName } from '../../app/self.js';
import { agentFor, reportFailure, showProgress } from '../agent-link.js';

export const acceptCommand: Command = {
  name: 'accept',
  summary: 'accept an invitation (NAME@HOST:PORT#CODE): you become contacts',
  help: `usage: securechat accept NAME@HOST:PORT#CODE [--as NAME]

Connects to the inviter's listener and logs in with the invitation's one-time code (OPAQUE,
as with a password). Both of you become contacts; from then on \`send\` and \`chat\` reconnect
by keys. An invitation works once and for 10 minutes. Runs in your agent (started if needed).

options:
  --as NAME   who you are (default: the only local user)`,
  options: { as: { type: 'string' } },
  positionals: 1,
  async run(cli, args) {
    const text = args.positionals[0];
    if (text === undefined) throw localError('USAGE', 'an invitation looks like NAME@HOST:PORT#XXXX-XXXX; paste it as `securechat invite` printed it');
    // Checked here first: a typo is told before any agent is started.
    const { account } = parseInvitation(text);
    const users = await cli.users(false).catch(() => undefined);
    const as = await selfName(cli, optString(args, 'as'), undefined, users);
    cli.fail.peer = account;
    const agent = await agentFor(cli);
    try {
      await agent.call('accept', { as, invitation: text, ...(users === undefined ? {} : { users: users.path }) }, (p: JsonObject) => showProgress(cli, p));
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
    cli.out.status(`${account} and ${as} are contacts now: \`securechat send --to ${account}\` reconnects without a password`, { event: 'contact-added', name: account });
    return ExitCode.OK;
  },
};
