/** `securechat verify NAME`: the safety number to compare with NAME out of band. */
import { localError } from '../../errors.js';
import { formatFingerprint, keyFingerprint, loadKnownPeers, markVerified, safetyNumber } from '../../identity/index.js';
import { optBool, optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { loadSelf, selfName } from '../../app/self.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'show the safety number to compare with a peer; mark the key verified',
  help: `usage: securechat verify NAME [--as NAME] [--mark]

Shows the 60-digit safety number of your conversation with NAME. Compare it with the one
NAME sees (in person or on a call you trust). If they match, the key is NAME's: on a
terminal you are asked whether to mark it verified; --mark marks it without asking.
If NAME's key changed, the safety number of the new (refused) key is shown too.

options:
  --as NAME   the local user (default: the only local user)
  --mark      mark NAME's pinned key as verified`,
  options: { as: { type: 'string' }, mark: { type: 'boolean' } },
  positionals: 1,
  async run(cli, args) {
    const peer = args.positionals[0];
    if (peer === undefined) throw localError('USAGE', 'say whose key to verify: securechat verify NAME');
    cli.fail.peer = peer;
    const users = await cli.users(false).catch(() => undefined);
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), undefined, users, peer), users, false);
    const rec = (await loadKnownPeers(self.dir)).peers.get(peer);
    if (rec === undefined) throw localError('UNKNOWN_USER', `${self.name} has no key for "${peer}" yet; talk to them once first (see \`securechat peers\`)`);
    const me = { name: self.name, publicKey: self.identity.publicKey };
    const sn = safetyNumber(me, { name: peer, publicKey: rec.key });
    const fp = keyFingerprint(rec.key);
    cli.out.line(`safety number of ${self.name} and ${peer}${rec.verified ? ' (verified)' : ''}:`);
    cli.out.line(sn.display, { event: 'safety-number', peer, fingerprint: fp, digits: sn.digits, verified: rec.verified, qr: sn.qr });
    cli.out.status(`${peer}'s key fingerprint: ${formatFingerprint(fp)}`);
    if (rec.pendingKey !== undefined) {
      const sn2 = safetyNumber(me, { name: peer, publicKey: rec.pendingKey.key });
      const fp2 = keyFingerprint(rec.pendingKey.key);
      cli.out.line(`${peer} now offers a DIFFERENT key (${formatFingerprint(fp2)}); its safety number:`);
      cli.out.line(sn2.display, { event: 'safety-number', peer, fingerprint: fp2, digits: sn2.digits, pending: true, qr: sn2.qr });
      cli.out.status(`if ${peer} confirms this one, accept it with \`securechat trust ${peer}\``);
      return ExitCode.OK;
    }
    let mark = optBool(args, 'mark');
    if (!mark && !rec.verified && cli.input.isTTY && !cli.out.json) {
      cli.out.prompt(`does ${peer} see the same number? mark the key verified [y/N]: `);
      const answer = (await cli.input.readLine()) ?? '';
      mark = /^\s*y(es)?\s*$/i.test(answer);
    }
    if (mark) {
      await markVerified(self.dir, peer, rec.key);
      cli.out.status(`marked ${peer}'s key as verified`, { event: 'verified', peer, fingerprint: fp });
    }
    return ExitCode.OK;
  },
};
