/** `securechat outbox [--wait] | outbox cancel ID`: messages queued for contacts that could not be reached. */
import { localError } from '../../errors.js';
import { optBool, optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { selfName } from '../../app/self.js';
import { snippet } from '../../app/announce.js';
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { agentFor, reportFailure, showProgress } from '../agent-link.js';
import { printable } from '../output.js';

const WATCHED = new Set(['delivered', 'expired', 'outbox-retry', 'queued']);

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function obj(v: unknown): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
}

export const outboxCommand: Command = {
  name: 'outbox',
  summary: 'messages waiting for contacts that could not be reached; cancel one',
  help: `usage: securechat outbox [--as NAME] [--wait]
       securechat outbox cancel ID [--as NAME]

A message \`send\` could not deliver to a contact (they were not listening, the connection
was refused or lost) waits in your outbox, encrypted in your home, and your agent delivers it
when they can be reached: retried with growing pauses (2 s, doubling, at most 5 minutes), and
at once when they connect to you. Messages to one contact arrive in the order you sent them.
A message still undelivered after 7 days is dropped (and you are told).

\`outbox\` lists what waits (ID, to whom, since when, why the last try failed).
\`--wait\` shows each delivery as it happens and ends when the outbox is empty.
\`outbox cancel ID\` removes one (an ID prefix of 4 or more digits is enough); a message
being delivered at that moment may still arrive.

options:
  --as NAME   the local user (default: the only local user)
  --wait      wait until every queued message is delivered (or expired, or cancelled)`,
  options: { as: { type: 'string' }, wait: { type: 'boolean' } },
  positionals: 2,
  async run(cli, args) {
    const users = await cli.users(false).catch(() => undefined);
    const as = await selfName(cli, optString(args, 'as'), undefined, users);
    cli.fail.user = as;
    const [verb, id] = args.positionals;
    const agent = await agentFor(cli);
    try {
      if (verb === 'cancel') {
        if (id === undefined) throw localError('USAGE', 'say which message: `securechat outbox cancel ID` (IDs from `securechat outbox`)');
        const r = obj(await agent.call('outbox.cancel', { as, messageId: id }));
        if (r['cancelled'] !== true) throw localError('USAGE', `no single queued message of ${as} has the ID ${id.slice(0, 32)}; see \`securechat outbox\``);
        cli.out.status(`cancelled ${id}: it will not be delivered`, { event: 'cancelled', messageId: id });
        return ExitCode.OK;
      }
      if (verb !== undefined) throw localError('USAGE', 'say `securechat outbox` to list, or `securechat outbox cancel ID`');
      const wait = optBool(args, 'wait');
      if (wait) {
        agent.onEvent((p) => {
          const e = obj(p['event']);
          if (typeof e['event'] === 'string' && WATCHED.has(e['event'])) showProgress(cli, p);
        });
        await agent.call('subscribe', { as });
      }
      const r = obj(await agent.call('outbox', { as }));
      const list = Array.isArray(r['messages']) ? r['messages'] : [];
      if (list.length === 0) cli.out.status(`${as}'s outbox is empty`, { event: 'outbox-empty', as });
      for (const m of list.map(obj)) {
        const to = obj(m['to']);
        const err = obj(m['lastError']);
        const why = typeof err['sentence'] === 'string' ? `; last try: ${err['sentence']}` : '';
        const id = text(m['messageId']);
        const account = text(to['account']);
        const at = text(m['queuedAt']);
        cli.out.line(`${id.slice(0, 8)}  to ${account}  queued ${at.replace('T', ' ').slice(0, 19)}  "${printable(snippet(text(m['text'])))}"${why}`, {
          event: 'outbox-message', messageId: id, to: account, queuedAt: at, attempts: typeof m['attempts'] === 'number' ? m['attempts'] : 0,
          ...(typeof err['code'] === 'string' ? { code: err['code'] } : {}),
        });
      }
      if (!wait || list.length === 0) return ExitCode.OK;
      await agent.call('outbox', { as, wait: true });
      cli.out.status(`${as}'s outbox is empty`, { event: 'outbox-empty', as });
      return ExitCode.OK;
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
  },
};
