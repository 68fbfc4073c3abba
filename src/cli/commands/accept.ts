/** `securechat accept NAME@HOST:PORT#CODE`: use an invitation; both sides become contacts. */
import { localError } from '../../errors.js';
import { acceptInvitation, parseInvitation } from '../../app/contacts-admin.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { loadSelf, selfName } from '../../app/self.js';
import { announcePeer, openLogAndPolicy } from '../session.js';

export const acceptCommand: Command = {
  name: 'accept',
  summary: 'accept an invitation (NAME@HOST:PORT#CODE): you become contacts',
  help: `usage: securechat accept NAME@HOST:PORT#CODE [--as NAME]

Connects to the inviter's listener and logs in with the invitation's one-time code (OPAQUE,
as with a password). Both of you become contacts; from then on \`send\` and \`chat\` reconnect
by keys. An invitation works once and for 10 minutes.

options:
  --as NAME   who you are (default: the only local user)`,
  options: { as: { type: 'string' } },
  positionals: 1,
  async run(cli, args) {
    const text = args.positionals[0];
    if (text === undefined) throw localError('USAGE', 'an invitation looks like NAME@HOST:PORT#XXXX-XXXX; paste it as `securechat invite` printed it');
    const invitation = parseInvitation(text);
    const account = invitation.account;
    const users = await cli.users(false).catch(() => undefined);
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), undefined, users), users, true);
    cli.fail.peer = account;
    const { policy } = await openLogAndPolicy(cli, self, users);
    let conv;
    try {
      conv = await acceptInvitation({ self, invitation, policy, onStep: (s) => cli.out.status(s.text, { event: 'step', step: s.step, text: s.text }) });
    } catch (e) {
      await policy.settle();
      throw e;
    }
    announcePeer(cli, conv, 'invited by');
    await conv.close();
    cli.out.status(`${account} and ${self.name} are contacts now: \`securechat send --to ${account}\` reconnects without a password`, { event: 'contact-added', name: account });
    return ExitCode.OK;
  },
};
