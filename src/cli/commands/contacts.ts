/** `securechat contacts [remove NAME]`: whom you reconnect to by keys, and who may reconnect to you. */
import { localError } from '../../errors.js';
import { formatFingerprint } from '../../identity/index.js';
import { listContacts } from '../../app/contacts-admin.js';
import { AgentError } from '../../agent/client.js';
import { agentFor, reportFailure } from '../agent-link.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { loadSelf, selfName } from '../../app/self.js';

export const contactsCommand: Command = {
  name: 'contacts',
  summary: 'list contacts (reconnect by keys, no password), or remove one',
  help: `usage: securechat contacts [--as NAME]
       securechat contacts remove CONTACT [--as NAME]

Two users become contacts the first time one logs in to the other's listener with the
password (or accepts an invitation, \`securechat accept\`). From then on \`send\` and
\`chat\` to a contact reconnect by keys, without the password, and a contact may reconnect to
your listener (like SSH's authorized_keys).

\`contacts\` lists them with their identity-key fingerprints. \`contacts remove CONTACT\`
revokes one: their next reconnect to your listener is refused, and yours to them is no longer
tried (a password login makes you contacts again).

options:
  --as NAME   the local user (default: the only local user)`,
  options: { as: { type: 'string' } },
  positionals: 2,
  async run(cli, args) {
    const users = await cli.users(false).catch(() => undefined);
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), undefined, users), users, false);
    const [verb, name] = args.positionals;
    if (verb === undefined) {
      const contacts = await listContacts(self.dir);
      if (contacts.length === 0) cli.out.status(`${self.name} has no contacts yet (a first password login, or an invitation, makes one)`);
      for (const c of contacts) {
        const since = new Date(c.since).toISOString().replace('T', ' ').slice(0, 16);
        cli.out.line(`${c.name}  ${formatFingerprint(c.fingerprint)}  contact since ${since} (${c.via})`, {
          event: 'contact', name: c.name, fingerprint: c.fingerprint, since: new Date(c.since).toISOString(), via: c.via,
          reconnects: c.reconnects, accepted: c.accepted,
        });
      }
      return ExitCode.OK;
    }
    if (verb !== 'remove' || name === undefined) throw localError('USAGE', 'say `securechat contacts` to list, or `securechat contacts remove NAME`');
    // The agent writes the home (its listener reads contacts.json): the removal goes through it.
    try {
      await (await agentFor(cli)).call('removeContact', { as: self.name, name });
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
    cli.out.status(`removed contact ${name}: their reconnects are refused from now on, and a password login is needed to talk again`, { event: 'contact-removed', name });
    return ExitCode.OK;
  },
};
