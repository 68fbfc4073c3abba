/** `securechat group create|add|remove|leave|send|list|show`: group chat (MLS) over direct sessions, through the agent. */
import { localError } from '../../errors.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { selfName } from '../../app/self.js';
import { AgentError } from '../../agent/client.js';
import type { Json, JsonObject } from '../../agent/rpc.js';
import { agentFor, reportFailure } from '../agent-link.js';
import type { Cli } from '../context.js';
import { MAX_LIST } from '../../limits.js';

const obj = (v: Json | undefined): JsonObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {});
const txt = (v: Json | undefined): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const list = (v: Json | undefined): readonly Json[] => (Array.isArray(v) ? (v as readonly Json[]) : []);

function showGroup(cli: Cli, g: JsonObject): void {
  const members = list(g['members']).map(obj);
  const state = g['status'] === 'active' ? `epoch ${txt(g['epoch'])}, committer ${txt(g['committer'])}` : 'you are no longer a member';
  cli.out.line(`${txt(g['name'])}: ${members.length} member${members.length === 1 ? '' : 's'}, ${state}`, { ...g, event: 'group' });
  for (const m of members) {
    const ks = txt(m['keyState']);
    const note = ks === 'unverified' ? 'unverified: needs verification (compare safety numbers after a 1:1 login)' : ks === 'changed' ? 'KEY CHANGED: differs from the key you pinned' : ks;
    cli.out.line(`  ${txt(m['name'])}${m['committer'] === true ? ' (committer)' : ''}  ${txt(m['fingerprint'])}  ${note}`, { ...m, event: 'group-member', group: txt(g['name']) });
  }
}

/** Reports each member not reached; exit NETWORK when one was not. */
function showDeliveries(cli: Cli, group: string, r: JsonObject, what: string): ExitCode {
  let missed = 0;
  for (const d of list(r['deliveries']).map(obj)) {
    if (d['delivered'] === true) cli.out.status(`${what} delivered to ${txt(d['peer'])}`, { event: 'group-delivered', group, peer: txt(d['peer']) });
    else {
      missed++;
      cli.out.warn(`not delivered to ${txt(d['peer'])}: ${txt(d['reason'])}`, { event: 'group-undelivered', group, peer: txt(d['peer']), code: txt(d['code']) });
    }
  }
  return missed === 0 ? ExitCode.OK : ExitCode.NETWORK;
}

export const groupCommand: Command = {
  name: 'group',
  summary: 'group chat: create a group, add and remove contacts, send, list, show',
  help: `usage: securechat group create NAME [--as ME]
       securechat group add NAME USER... [--as ME]
       securechat group remove NAME USER [--as ME]
       securechat group leave NAME [--as ME]
       securechat group send NAME --message TEXT [--as ME]
       securechat group list [--as ME]
       securechat group show NAME [--as ME]

Groups use MLS (RFC 9420, suite X-Wing + AES-256-GCM): every member holds the group's keys;
nobody else can read it. Without a relay the creator is the group's committer: only it adds
and removes members, and every member's messages go through it to the others, over your
direct (1:1) sessions. So members must be contacts of the creator (a first password login,
\`securechat send --to USER\`), online, and in the users file.

  create  a new group with you alone
  add     asks each contact for a KeyPackage and sends them the Welcome (the creator only;
          a member who is offline is not added: that needs a relay, not built yet)
  remove  removes a member (the creator only); they cannot read what follows
  leave   asks the creator to remove you (the creator cannot leave)
  send    one message to every member
  list    your groups;  show  a group's members, their key state and the epoch
Read and write in a group with \`securechat chat --group NAME\`.

options:
  --as NAME       who you are (default: the only local user)
  --message TEXT  with send: the message`,
  options: { as: { type: 'string' }, message: { type: 'string' } },
  positionals: 2 + MAX_LIST,
  async run(cli, args) {
    const [verb, name, ...rest] = args.positionals;
    if (verb === undefined || !['create', 'add', 'remove', 'leave', 'send', 'list', 'show'].includes(verb)) {
      throw localError('USAGE', 'say what to do: `securechat group create|add|remove|leave|send|list|show`; see `securechat group --help`');
    }
    const users = await cli.users(false).catch(() => undefined);
    const as = await selfName(cli, optString(args, 'as'), undefined, users);
    cli.fail.user = as;
    const base = { as, ...(users === undefined ? {} : { users: users.path }) };
    const need = (what: string): string => {
      if (name === undefined) throw localError('USAGE', `say which group: \`securechat group ${what} NAME\``);
      return name;
    };
    const agent = await agentFor(cli);
    try {
      switch (verb) {
        case 'list': {
          const r = obj(await agent.call('group.list', { as }));
          const gs = list(r['groups']).map(obj);
          if (gs.length === 0) cli.out.status(`${as} is in no group yet; \`securechat group create NAME\` makes one`);
          for (const g of gs) showGroup(cli, g);
          return ExitCode.OK;
        }
        case 'show':
          showGroup(cli, obj(await agent.call('group.show', { as, name: need('show') })));
          return ExitCode.OK;
        case 'create': {
          const g = obj(await agent.call('group.create', { as, name: need('create') }));
          cli.out.status(`created the group ${txt(g['name'])}; add contacts with \`securechat group add ${txt(g['name'])} USER...\``, { event: 'group-created', group: txt(g['name']) });
          return ExitCode.OK;
        }
        case 'add': {
          const g = need('add');
          if (rest.length === 0) throw localError('USAGE', `say whom to add: \`securechat group add ${g} USER...\``);
          const r = obj(await agent.call('group.add', { ...base, name: g, members: rest }));
          const code = showDeliveries(cli, g, r, 'the Welcome or commit');
          showGroup(cli, r);
          return code;
        }
        case 'remove': {
          const g = need('remove');
          const who = rest[0];
          if (who === undefined || rest.length > 1) throw localError('USAGE', `say whom to remove: \`securechat group remove ${g} USER\``);
          const r = obj(await agent.call('group.remove', { ...base, name: g, member: who }));
          cli.out.status(`removed ${who} from ${g}`, { event: 'group-member-removed', group: g, member: who });
          return showDeliveries(cli, g, r, 'the commit');
        }
        case 'leave': {
          const g = need('leave');
          const r = obj(await agent.call('group.leave', { ...base, name: g }));
          const code = showDeliveries(cli, g, r, 'your leave request');
          if (code === ExitCode.OK) cli.out.status(`asked to leave ${g}; you are out once the committer commits it`, { event: 'group-leaving', group: g });
          return code;
        }
        case 'send': {
          const g = need('send');
          const text = optString(args, 'message');
          if (text === undefined || text === '') throw localError('USAGE', `say what to send with --message TEXT`);
          if (rest.length > 0) throw localError('USAGE', 'the message goes in --message TEXT (quote it)');
          return showDeliveries(cli, g, obj(await agent.call('group.send', { ...base, name: g, text })), 'sent,');
        }
        default:
          throw localError('USAGE', 'say what to do: `securechat group create|add|remove|leave|send|list|show`; see `securechat group --help`');
      }
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
  },
};
