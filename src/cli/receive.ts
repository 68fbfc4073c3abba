/**
 * Receiving one conversation and chatting in it (the interactive flow's "receive", and
 * `chat --listen`): listen on the user's port; the first peer who connects becomes the
 * conversation (later ones are turned away while it lasts).
 */
import { wipe } from '../crypto/bytes.js';
import { isSecureChatError } from '../errors.js';
import { formatAddress, registerAccount, type UsersFile } from '../identity/index.js';
import type { Conversation } from '../chat/conversation.js';
import { chatLoop } from './chat-loop.js';
import type { Cli } from './context.js';
import type { ExitCode } from '../app/exit-codes.js';
import { listenerAccount, type Self } from '../app/self.js';
import { announcePeer, listenAs, openLogAndPolicy } from './session.js';

/** Receives: listens on the user's port; the first peer who connects becomes the conversation. */
export async function receiveOne(cli: Cli, self: Self, users: UsersFile | undefined, host: string | undefined, port: number, historyCount?: number): Promise<ExitCode> {
  let account;
  try {
    account = await listenerAccount(cli, self, users);
  } catch (e) {
    if (!isSecureChatError(e) || e.code !== 'NOT_INITIALISED') throw e;
    // Neither registered nor a password in the users file: ask for it and register it now.
    const pw = await cli.password(`your password (others use it to reach ${self.name}): `, true);
    try {
      await registerAccount(self.dir, self.name, pw, cli.ksf());
    } finally {
      wipe(pw);
    }
    cli.out.status(`registered ${self.name}'s password (as \`securechat init --user ${self.name}\` does)`);
    account = await listenerAccount(cli, self, users);
  }
  const { log, policy } = await openLogAndPolicy(cli, self, users);
  let take: (c: Conversation) => void = () => undefined;
  const first = new Promise<Conversation>((r) => {
    take = r;
  });
  let taken = false;
  const listener = await listenAs(cli, self, account, { log, policy }, { host, port }, (c) => {
    if (taken) {
      void c.close();
      return;
    }
    taken = true;
    take(c);
  });
  cli.out.status(`waiting for someone to connect on ${formatAddress(host ?? '127.0.0.1', listener.port)} (Ctrl-C stops)`, { event: 'listening', as: self.name, port: listener.port });
  const conv = await first;
  cli.onCleanup(async () => {
    if (conv.isOpen) await conv.close().catch(() => undefined);
  });
  cli.fail.established = true;
  cli.fail.peer = conv.info.peer.name;
  announcePeer(cli, conv, 'connected:');
  const code = await chatLoop(cli, self, conv, log, { answering: true, ...(historyCount === undefined ? {} : { history: historyCount }) });
  await listener.close();
  return code;
}

