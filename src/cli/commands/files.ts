/** `securechat files`: transfers in progress and finished; accept, decline, cancel; who may send without asking (docs/FILES.md). */
import { localError } from '../../errors.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { selfName } from '../../app/self.js';
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { agentFor, reportFailure } from '../agent-link.js';
import { printable } from '../output.js';
import { progressBar } from '../progress.js';
import { watchTransfer } from './files-watch.js';

/** A JSON field as text ('' when it is neither text nor a number). */
function txt(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? `${v}` : '';
}

function obj(v: unknown): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
}

/** `--max-size 10M` / `2G` / a number of bytes. */
function size(text: string | undefined): number {
  if (text === undefined) return 100 * 1024 * 1024;
  const m = /^(\d+)([KMGT]?)i?B?$/i.exec(text.trim());
  if (m === null) throw localError('USAGE', `--max-size must be a size such as 500M or 2G, not "${text.slice(0, 20)}"`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[(m[2] ?? '').toUpperCase()] ?? 1;
  return Number(m[1]) * mult;
}

export const filesCommand: Command = {
  name: 'files',
  summary: 'file transfers: list, accept, decline, cancel; contacts who may send without asking',
  help: `usage: securechat files [--as NAME]                      list transfers (in progress and finished)
       securechat files accept ID [--into DIR]          accept an offer (default ~/Downloads/securechat/SENDER/)
       securechat files decline ID
       securechat files cancel ID                       stop a transfer, either way
       securechat files allow NAME [--max-size 100M] [--into DIR]
                                                        NAME may send up to that much without asking
       securechat files disallow NAME
       securechat files receive --accept-from NAME [--into DIR]
                                                        wait for NAME's next files, accept, show progress

Received files are written only below the folder chosen, never over an existing file (a
second "report.pdf" is saved as "report (1).pdf"), with names made safe; a manifest with
"..", absolute paths or control characters is refused. An ID prefix of 4 or more digits is enough.`,
  options: { as: { type: 'string' }, into: { type: 'string' }, 'max-size': { type: 'string' }, 'accept-from': { type: 'string' } },
  positionals: 2,
  async run(cli, args) {
    const users = await cli.users(false).catch(() => undefined);
    const as = await selfName(cli, optString(args, 'as'), undefined, users);
    cli.fail.user = as;
    const [verb, arg] = args.positionals;
    const agent = await agentFor(cli);
    const into = optString(args, 'into');
    const need = (what: string): string => {
      if (arg === undefined) throw localError('USAGE', `say which ${what}: \`securechat files ${verb ?? ''} ${what === 'contact' ? 'NAME' : 'ID'}\``);
      return arg;
    };
    try {
      switch (verb) {
        case undefined:
        case 'list': {
          const r = obj(await agent.call('files.list', { as }));
          const list = Array.isArray(r['transfers']) ? r['transfers'].map(obj) : [];
          const ag = obj(r['agent']);
          cli.out.event({ event: 'files-agent', rss: Number(ag['rss']), peakRss: Number(ag['peakRss']) });
          if (list.length === 0) cli.out.status(`${as} has no file transfers`, { event: 'files-empty', as });
          for (const t of list) {
            const dir = t['direction'] === 'out' ? 'to' : 'from';
            const files = Array.isArray(t['files']) ? t['files'].map(obj) : [];
            const names = files.slice(0, 3).map((f) => printable(txt(f['path']))).join(', ') + (files.length > 3 ? ', ...' : '');
            const err = obj(t['error']);
            cli.out.line(`${txt(t['id']).slice(0, 8)}  ${dir} ${txt(t['peer'])}  ${txt(t['state'])}  ${txt(t['total'])} bytes  ${names}${typeof err['sentence'] === 'string' ? `  (${err['sentence']})` : ''}`, { event: 'file-transfer', ...t });
          }
          return ExitCode.OK;
        }
        case 'accept':
        case 'decline':
        case 'cancel': {
          const r = obj(await agent.call(`files.${verb}`, { as, id: need('transfer'), ...(verb === 'accept' && into !== undefined ? { into } : {}) }));
          const past = { accept: 'accepted', decline: 'declined', cancel: 'cancelled' }[verb];
          cli.out.status(`${past} ${txt(r['id']).slice(0, 8)}${verb === 'accept' ? `: saving into ${txt(r['into'])}` : ''}`, { event: `file-${past}`, id: txt(r['id']) });
          return ExitCode.OK;
        }
        case 'allow': {
          const peer = need('contact');
          const maxBytes = size(optString(args, 'max-size'));
          await agent.call('files.allow', { as, peer, maxBytes, ...(into === undefined ? {} : { into }) });
          cli.out.status(`${peer} may send you files of up to ${maxBytes} bytes in all without asking`, { event: 'file-allowed', peer, maxBytes });
          return ExitCode.OK;
        }
        case 'disallow': {
          const peer = need('contact');
          const r = obj(await agent.call('files.disallow', { as, peer }));
          cli.out.status(r['removed'] === true ? `${peer} must ask before sending files again` : `${peer} was not allowed to send without asking`, { event: 'file-disallowed', peer });
          return ExitCode.OK;
        }
        case 'receive': {
          const from = args.values['accept-from'];
          const names = Array.isArray(from) ? from.map(String) : typeof from === 'string' ? [from] : [];
          if (names.length === 0) throw localError('USAGE', 'say whose files to accept: `securechat files receive --accept-from NAME`');
          const watch = watchTransfer(cli, agent, progressBar('receiving', !cli.out.json && !cli.out.quiet));
          const accepted = new Promise<string>((resolve, reject) => {
            watch.onOffer((e) => {
              const who = txt(e['from']);
              if (!names.includes(who)) {
                cli.out.status(txt(e['text'] ?? `${who} offers files`), e as never);
                return;
              }
              agent.call('files.accept', { as, id: txt(e['id']), ...(into === undefined ? {} : { into }) }).then(() => resolve(txt(e['id'])), reject);
            });
          });
          await agent.call('subscribe', { as });
          // An offer that came before this command started waits in the list.
          const r = obj(await agent.call('files.list', { as }));
          for (const t of (Array.isArray(r['transfers']) ? r['transfers'] : []).map(obj)) {
            if (t['direction'] === 'in' && t['state'] === 'offered' && names.includes(txt(t['peer']))) {
              void agent.call('files.accept', { as, id: txt(t['id']), ...(into === undefined ? {} : { into }) }).catch(() => undefined);
              return await watch.until(txt(t['id']));
            }
          }
          cli.out.status(`waiting for files from ${names.join(', ')}`, { event: 'file-waiting', from: names.join(',') });
          const id = await accepted;
          cli.out.status(`accepted ${id.slice(0, 8)}`, { event: 'file-accepted', id });
          return await watch.until(id);
        }
        default:
          throw localError('USAGE', `unknown \`files ${verb.slice(0, 20)}\`; see \`securechat files --help\``);
      }
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
  },
};
