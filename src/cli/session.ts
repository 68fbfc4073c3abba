/**
 * What `accept` still does in its own process (an invitation's one-time login): the user's log
 * and pinning policy, and the line about who is on the other end. Conversations themselves run
 * in the agent (src/app/messenger.ts is the one password login and the one listener).
 */
import type { UsersFile } from '../identity/index.js';
import type { Conversation } from '../chat/conversation.js';
import type { Cli } from './context.js';
import { ConversationLog } from '../app/log-sink.js';
import { KnownPeersPolicy } from '../app/policy.js';
import type { Self } from '../app/self.js';
import { announcePeer as announceTo } from '../app/announce.js';

/** One line (and one JSON event) about who is on the other end. */
export function announcePeer(cli: Cli, conv: Conversation, verb: string): void {
  announceTo(cli.out, conv, verb);
}

/**
 * The user's log and pinning policy, both closed at exit; a key change the policy sees is
 * written to the log.
 */
export async function openLogAndPolicy(cli: Cli, self: Self, users: UsersFile | undefined): Promise<{ log: ConversationLog; policy: KnownPeersPolicy }> {
  const log = await ConversationLog.open(self.dir, self.name);
  cli.onCleanup(() => log.close());
  const policy = await KnownPeersPolicy.load(self.dir, users, (c) => {
    void log.keyChange(c.peer, c.oldFingerprint, c.newFingerprint, false).catch(() => undefined);
  });
  cli.onCleanup(() => policy.settle());
  return { log, policy };
}
