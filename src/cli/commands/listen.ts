/** `securechat listen --as NAME`: receive; serves many peers at once. */
import { localError } from '../../errors.js';
import { formatAddress } from '../../identity/index.js';
import type { Conversation } from '../../chat/conversation.js';
import { optBool, optPort, optString } from '../args.js';
import type { Command } from '../command.js';
import { explain } from '../../app/errors-text.js';
import { ExitCode } from '../../app/exit-codes.js';
import { runLegacyListen } from '../legacy.js';
import { listenerAccount, loadSelf, selfName } from '../../app/self.js';
import { announcePeer, listenAs, openLogAndPolicy, watch, type Ended } from '../session.js';


export const listenCommand: Command = {
  name: 'listen',
  summary: 'receive messages; serves many peers at once',
  help: `usage: securechat listen [--as NAME] [--port N] [--host ADDRESS] [--once]
       securechat listen --legacy [--as NAME] [--port N] [--once]

Waits for others to connect with your password and shows who connected (their key: new,
pinned or verified), each message with its time, and when they leave. Every message is
stored in your log before its delivery receipt is sent. Needs your registered password
(\`securechat init\`); if you are not registered but your users-file entry still has a
plaintext password, it is registered now, with a warning. Ctrl-C stops (exit 130).

options:
  --as NAME        who you are (default: the users-file entry with --port, else the only local user)
  --port N         the port to listen on (default: your users-file entry's; 0 = any free port)
  --host ADDRESS   the address to listen on (default: your users-file entry's, else 127.0.0.1)
  --once           stop after the first conversation ends (exit status: how it ended)
  --legacy         accept the original program's insecure protocol instead (one sender at a time)`,
  options: { as: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, once: { type: 'boolean' }, legacy: { type: 'boolean' } },
  positionals: 0,
  async run(cli, args) {
    const users = await cli.users(false);
    const portOpt = optPort(args, 'port', true);
    const name = await selfName(cli, optString(args, 'as'), portOpt, users);
    const once = optBool(args, 'once');
    const entry = users?.users.find((u) => u.username === name);
    const port = portOpt ?? entry?.port;
    if (port === undefined) throw localError('USAGE', `on which port should ${name} listen? ${name} is not in the users file; give --port N`);
    cli.fail.port = port;
    const host = optString(args, 'host') ?? entry?.ip;
    if (optBool(args, 'legacy')) return runLegacyListen(cli, name, entry, host, port, once);

    const self = await loadSelf(cli, name, users, true);
    cli.serving = true;
    const account = await listenerAccount(cli, self, users);
    const { log, policy } = await openLogAndPolicy(cli, self, users);
    const open = new Set<Conversation>();
    cli.onCleanup(async () => {
      await Promise.allSettled([...open].map((c) => c.close()));
    });
    let resolveOnce: (e: Ended) => void = () => undefined;
    const first = new Promise<Ended>((r) => {
      resolveOnce = r;
    });
    let taken = false;
    const listener = await listenAs(cli, self, account, { log, policy }, { host, port }, (conv) => {
      if (once && taken) {
        void conv.close();
        return;
      }
      taken = true;
      open.add(conv);
      const peer = conv.info.peer.name;
      announcePeer(cli, conv, 'connected:');
      void watch(cli, conv, log, new Map()).then((ended) => {
        open.delete(conv);
        if (ended.error === undefined) {
          cli.out.status(`${peer} left`, { event: 'closed', peer, reason: ended.reason });
        } else {
          const x = explain(ended.error, { established: true, peer });
          cli.out.status(`the conversation with ${peer} ended badly: ${x.sentence}`, { event: 'closed', peer, reason: 'error', code: x.code, message: x.sentence });
        }
        if (once) resolveOnce(ended);
      });
    });
    cli.out.status(`${self.name} is listening on ${formatAddress(host ?? '127.0.0.1', listener.port)}; Ctrl-C stops`, {
      event: 'listening',
      as: self.name,
      host: host ?? '127.0.0.1',
      port: listener.port,
      fingerprint: self.identity.fingerprint,
    });
    if (!once) await new Promise<never>(() => undefined);
    const ended = await first;
    await listener.close();
    if (ended.error === undefined) return ExitCode.OK;
    return explain(ended.error, { established: true }).exit;
  },
};
