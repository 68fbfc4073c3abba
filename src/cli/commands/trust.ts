/** `securechat trust NAME`: accept a peer's changed key after checking it. */
import { localError } from '../../errors.js';
import { formatFingerprint, keyFingerprint, loadKnownPeers, trustNewKey } from '../../identity/index.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { ConversationLog } from '../../app/log-sink.js';
import { loadSelf, selfName } from '../../app/self.js';

export const trustCommand: Command = {
  name: 'trust',
  summary: "accept a peer's changed identity key",
  help: `usage: securechat trust NAME [--as NAME]

When NAME's identity key changed (a reinstall, a new machine — or an impostor), every
conversation with NAME is refused. Check the new key first (\`securechat verify NAME\`,
compared with NAME over a channel you trust), then accept it with this command. The old key
is kept in the history; the new key starts as not verified.

options:
  --as NAME   the local user (default: the only local user)`,
  options: { as: { type: 'string' } },
  positionals: 1,
  async run(cli, args) {
    const peer = args.positionals[0];
    if (peer === undefined) throw localError('USAGE', 'say whose new key to accept: securechat trust NAME');
    cli.fail.peer = peer;
    const users = await cli.users(false).catch(() => undefined);
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), undefined, users, peer), users, false);
    const before = (await loadKnownPeers(self.dir)).peers.get(peer);
    if (before === undefined) throw localError('UNKNOWN_USER', `${self.name} has no key for "${peer}"; there is nothing to trust (see \`securechat peers\`)`);
    if (before.pendingKey === undefined) {
      throw localError('UNKNOWN_USER', `the key of "${peer}" has not changed; there is nothing to trust (its key is ${formatFingerprint(keyFingerprint(before.key))})`);
    }
    const after = await trustNewKey(self.dir, peer);
    const now = after.peers.get(peer);
    const oldFp = keyFingerprint(before.key);
    const newFp = now === undefined ? '' : keyFingerprint(now.key);
    cli.out.status(`${peer}'s new key ${formatFingerprint(newFp)} is now trusted (the old key ${formatFingerprint(oldFp)} is kept in the history)`, {
      event: 'trusted',
      peer,
      fingerprint: newFp,
      previousFingerprint: oldFp,
    });
    // Record the accepted change in the log when it is free (a running listener holds it).
    try {
      const log = await ConversationLog.open(self.dir, self.name);
      try {
        await log.keyChange(peer, oldFp, newFp, true);
      } finally {
        await log.close();
      }
    } catch {
      cli.out.status('(the key change could not be written to the log now: it is in use)');
    }
    return ExitCode.OK;
  },
};
