/** `securechat send-file --to NAME PATH...`: files and folders to a contact, over the live conversation (docs/FILES.md). */
import { localError } from '../../errors.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { resolveTarget } from '../../app/target.js';
import { selfName } from '../../app/self.js';
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { agentFor, reportFailure } from '../agent-link.js';
import { progressBar } from '../progress.js';
import { watchTransfer } from './files-watch.js';

/** A JSON field as text ('' when it is neither text nor a number). */
function txt(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? `${v}` : '';
}

export const sendFileCommand: Command = {
  name: 'send-file',
  summary: 'send files and folders to a contact (verified, resumable, with progress)',
  help: `usage: securechat send-file --to NAME [--as NAME] [--json] PATH...

Sends files and folders (with everything in them) to a contact, directly over your
conversation with them: end-to-end encrypted with a fresh key per file, every chunk verified,
and each file's SHA-256 checked before it is saved. NAME sees the names and sizes first and
accepts or declines (unless they allow you to send without asking: \`files allow\`).
Your agent keeps at it: a transfer cut off (a lost connection, either side restarted)
continues where it stopped, sending only what is missing. Chat messages are not held up.

On a terminal a progress bar shows bytes, rate and time left; with --json, one
\`file-progress\` event per step and a \`file-end\` event at the end. The command ends when
everything is delivered (exit 0), declined (2) or failed; Ctrl-C leaves the transfer running
in the agent (\`securechat files\` lists it, \`files cancel ID\` stops it).

options:
  --to NAME          the contact (a username from the users file, or NAME@HOST:PORT)
  --as NAME          who you are (default: the only local user)
  --chunk-size N     bytes per chunk, 262144..1048576 (default 262144)
  --no-wait          hand the files to the agent and return at once`,
  options: { to: { type: 'string' }, as: { type: 'string' }, 'chunk-size': { type: 'string' }, 'no-wait': { type: 'boolean' } },
  positionals: 1000,
  async run(cli, args) {
    const to = optString(args, 'to');
    if (to === undefined || to === '') throw localError('USAGE', 'say whom to send to with --to NAME; see `securechat send-file --help`');
    if (args.positionals.length === 0) throw localError('USAGE', 'say which files or folders to send: `securechat send-file --to NAME PATH...`');
    const users = await cli.users(false).catch(() => undefined);
    const target = resolveTarget(to, users);
    const as = await selfName(cli, optString(args, 'as'), undefined, users);
    cli.fail.user = as;
    cli.fail.peer = target.account;
    const cs = optString(args, 'chunk-size');
    const chunkSize = cs === undefined ? undefined : Number(cs);
    if (chunkSize !== undefined && !Number.isInteger(chunkSize)) throw localError('USAGE', '--chunk-size must be a number of bytes');
    const agent = await agentFor(cli);
    const paths = args.positionals.map((p) => (p.startsWith('/') ? p : `${process.cwd()}/${p}`));
    try {
      const noWait = args.values['no-wait'] === true;
      const watch = noWait ? undefined : watchTransfer(cli, agent, progressBar(`to ${target.account}`, !cli.out.json && !cli.out.quiet));
      if (watch !== undefined) await agent.call('subscribe', { as });
      const r = (await agent.call('files.send', { as, to: { account: target.account, host: target.host, port: target.port }, paths, ...(chunkSize === undefined ? {} : { chunkSize }) })) as JsonObject;
      const id = txt(r['id']);
      cli.out.status(`offered ${txt(r['total'])} bytes in ${Array.isArray(r['files']) ? r['files'].length : 0} file(s) to ${target.account} (transfer ${id.slice(0, 8)})`, { event: 'file-offered', id, to: target.account, total: Number(r['total']) });
      if (watch === undefined) return ExitCode.OK;
      return await watch.until(id);
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
  },
};
