/** `securechat peers`: the peers you have talked to, their key fingerprints and trust state. */
import { formatFingerprint, keyFingerprint, listPeers, loadKnownPeers } from '../../identity/index.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { loadSelf, selfName } from '../../app/self.js';

export const peersCommand: Command = {
  name: 'peers',
  summary: 'list known peers, their key fingerprints and verification state',
  help: `usage: securechat peers [--as NAME]

Lists the peers NAME has talked to (keys pinned on first use), each with its identity-key
fingerprint and state: "pinned" (trusted on first use), "verified" (safety number compared
with \`securechat verify\`), and "KEY CHANGED" when a different key was offered and refused
(check it with \`securechat verify NAME\`, accept it with \`securechat trust NAME\`).

options:
  --as NAME   the local user (default: the only local user)`,
  options: { as: { type: 'string' } },
  positionals: 0,
  async run(cli, args) {
    const users = await cli.users(false).catch(() => undefined);
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), undefined, users), users, false);
    const known = await loadKnownPeers(self.dir);
    const peers = listPeers(known);
    if (peers.length === 0) cli.out.status(`${self.name} has not talked to anyone yet`);
    for (const p of peers) {
      const fp = keyFingerprint(p.key);
      const state = p.pendingKey !== undefined ? 'changed' : p.verified ? 'verified' : 'pinned';
      const label = state === 'changed' ? 'KEY CHANGED' : state;
      const last = new Date(p.lastSeen).toISOString().replace('T', ' ').slice(0, 16);
      cli.out.line(`${p.name}  ${formatFingerprint(fp)}  ${label}  last seen ${last}`, {
        event: 'peer',
        name: p.name,
        fingerprint: fp,
        state,
        firstSeen: new Date(p.firstSeen).toISOString(),
        lastSeen: new Date(p.lastSeen).toISOString(),
        ...(p.pendingKey === undefined ? {} : { pendingFingerprint: keyFingerprint(p.pendingKey.key) }),
      });
    }
    return ExitCode.OK;
  },
};
