/** `securechat invite`: a one-time code with the address; whoever accepts it becomes a contact. */
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { localError } from '../../errors.js';
import { INVITATION_TTL_MS } from '../../identity/invitations.js';
import { agentFor, reportFailure } from '../agent-link.js';
import { optPort, optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { loadSelf, selfName } from '../../app/self.js';

export const inviteCommand: Command = {
  name: 'invite',
  summary: 'print a one-time code (with your address) that makes its acceptor a contact',
  help: `usage: securechat invite [--as NAME] [--host ADDR] [--port N]

Prints one string to read over the phone or paste, NAME@HOST:PORT#XXXX-XXXX. The other side
runs \`securechat accept STRING\` while your \`securechat listen\` runs: you become contacts
(no password shared; from then on you reconnect by keys). The code is valid for 10 minutes and
for one attempt only (a wrong guess uses it up), so an attacker gets one online guess at 40
bits. A new invitation replaces the pending one.

options:
  --as NAME    the local user (default: the only local user)
  --host ADDR  the address to print (default: yours in the users file)
  --port N     the port to print (default: yours in the users file)`,
  options: { as: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
  positionals: 0,
  async run(cli, args) {
    const users = await cli.users(false).catch(() => undefined);
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), undefined, users), users, true);
    const host = optString(args, 'host') ?? self.entry?.ip;
    const port = optPort(args, 'port') ?? self.entry?.port;
    if (host === undefined || port === undefined) throw localError('USAGE', `say where you listen with --host ADDR --port N (${self.name} is not in the users file)`);
    // The agent writes the home (its listener reads invitation.json): the invitation is made there.
    let r;
    try {
      r = await (await agentFor(cli)).call('invite', { as: self.name, host, port });
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
    const o = typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as JsonObject) : {};
    const invitation = typeof o['invitation'] === 'string' ? o['invitation'] : '';
    const code = typeof o['code'] === 'string' ? o['code'] : '';
    cli.out.line(invitation, { event: 'invitation', invitation, account: self.name, code, expiresInMs: INVITATION_TTL_MS });
    cli.out.status(`valid for ${INVITATION_TTL_MS / 60_000} minutes and one attempt, while \`securechat listen --as ${self.name}\` runs; the other side runs: securechat accept '${invitation}'`);
    return ExitCode.OK;
  },
};
