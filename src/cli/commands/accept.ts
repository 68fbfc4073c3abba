/** `securechat accept NAME@HOST:PORT#CODE`: use an invitation; both sides become contacts. */
import { utf8, wipe } from '../../crypto/bytes.js';
import { isSecureChatError, localError } from '../../errors.js';
import { normaliseCode } from '../../identity/invitations.js';
import { connect } from '../../chat/connect.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { FileContactBook } from '../../app/contact-book.js';
import { loadSelf, localIdentity, selfName } from '../../app/self.js';
import { announcePeer, openLogAndPolicy } from '../session.js';
import { parseAddress } from '../../app/target.js';

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
    const m = text === undefined ? null : /^([^@#\s]+)@(.+)#([^#]+)$/.exec(text.trim());
    const addr = m?.[2] === undefined ? undefined : parseAddress(m[2]);
    const code = m?.[3] === undefined ? null : normaliseCode(m[3]);
    if (m === null || m[1] === undefined || addr === undefined || code === null) throw localError('USAGE', 'an invitation looks like NAME@HOST:PORT#XXXX-XXXX; paste it as `securechat invite` printed it');
    const account = m[1];
    const users = await cli.users(false).catch(() => undefined);
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), undefined, users), users, true);
    cli.fail.peer = account;
    const { policy } = await openLogAndPolicy(cli, self, users);
    const pw = utf8(code);
    let conv;
    try {
      conv = await connect({
        host: addr.host, port: addr.port, account, password: pw, invitation: true, self: localIdentity(self), policy,
        contacts: new FileContactBook(self.dir),
        onStep: (s) => cli.out.status(s.text, { event: 'step', step: s.step, text: s.text }),
      });
    } catch (e) {
      await policy.settle();
      // Toward us every refusal looks the same (wrong, used or expired code): say so plainly.
      if (isSecureChatError(e) && (e.code === 'PEER_ALERT' || e.code === 'AUTH_FAILED')) throw localError('INVITATION_INVALID', 'the invitation was refused', e);
      throw e;
    } finally {
      wipe(pw);
    }
    announcePeer(cli, conv, 'invited by');
    await conv.close();
    cli.out.status(`${account} and ${self.name} are contacts now: \`securechat send --to ${account}\` reconnects without a password`, { event: 'contact-added', name: account });
    return ExitCode.OK;
  },
};
