/** `securechat send --to NAME --message TEXT`: one message; exit 0 only when its receipt arrived. */
import { localError } from '../../errors.js';
import { optBool, optPort, optString } from '../args.js';
import type { Command } from '../command.js';
import { explain } from '../../app/errors-text.js';
import { ExitCode } from '../../app/exit-codes.js';
import { runLegacySend } from '../legacy.js';
import { loadSelf, selfName } from '../../app/self.js';
import { resolveTarget } from '../../app/target.js';
import { openConversation, sendText, watch } from '../session.js';

/** How long `send` waits for the delivery receipt. */
export const RECEIPT_TIMEOUT_MS = 30_000;

export const sendCommand: Command = {
  name: 'send',
  summary: 'send one message; succeeds only when the delivery receipt arrives',
  help: `usage: securechat send --to NAME|HOST:PORT|NAME@HOST:PORT --message TEXT [--as NAME]
       securechat send --legacy --to NAME|HOST:PORT --message TEXT

Connects to NAME (its address from the users file), logs in with NAME's password (asked
for, hidden, on a terminal; else the first line of standard input or --password-file),
sends TEXT, and waits for NAME's delivery receipt, which NAME sends only once the message
is stored in its log. Exit 0 means it arrived. Your identity key is created on first use.

options:
  --to TARGET     whom to send to: a username, or HOST:PORT, or NAME@HOST:PORT
  --message TEXT  the message (a single argument; quote it)
  --as NAME       who you are (default: the users-file entry with --port, else the only local user)
  --port N        your own port in the users file (used to find --as)
  --legacy        use the original program's insecure protocol (see the warning it prints)`,
  options: { to: { type: 'string' }, message: { type: 'string' }, as: { type: 'string' }, port: { type: 'string' }, legacy: { type: 'boolean' } },
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
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), optPort(args, 'port'), users), users, true);
    const { conv, log } = await openConversation(cli, self, target, users);
    const sent = new Map<number, string>();
    const ended = watch(cli, conv, log, sent);
    const { id, logged } = sendText(conv, log, sent, text);
    cli.out.status(`sent #${id}; waiting for the delivery receipt`, { event: 'sent', to: target.account, id, text });
    try {
      await logged;
      await conv.waitReceipt(id, RECEIPT_TIMEOUT_MS);
    } catch (e) {
      const x = explain(e, cli.fail);
      if (conv.isOpen) conv.destroy();
      cli.out.error(`${x.sentence} (no delivery receipt for #${id})`, { event: 'error', code: x.code, exit: x.exit, message: x.sentence, id });
      return x.exit;
    }
    await conv.close();
    await ended;
    return ExitCode.OK;
  },
};
