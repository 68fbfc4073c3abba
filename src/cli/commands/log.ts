/** `securechat log show|verify|repair`: the encrypted, tamper-evident conversation log (src/log). */
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { wipe } from '../../crypto/bytes.js';
import { localError } from '../../errors.js';
import { verifyLegacyLog } from '../../legacy/log-line.js';
import { logRepair, logShow, logVerify, type CommandResult, type LegacyLogVerifier } from '../../log/commands.js';
import { optBool, optString } from '../args.js';
import type { Command } from '../command.js';
import type { Cli } from '../context.js';
import { ExitCode } from '../../app/exit-codes.js';
import { loadSelf, selfName } from '../../app/self.js';

import { MAX_LEGACY_LOG_BYTES } from '../../limits.js';

/** The verifier for `log verify --legacy`; with `json`, one object per line (`ok`, `entries`, or `line`, `reason`). */
const legacyVerifier = (json: boolean): LegacyLogVerifier => async (file, password) => {
  const path = resolve(file);
  let content: Uint8Array;
  try {
    const st = await fsp.stat(path);
    if (st.size > MAX_LEGACY_LOG_BYTES) throw localError('USAGE', `${path} is larger than ${MAX_LEGACY_LOG_BYTES} bytes`);
    content = new Uint8Array(await fsp.readFile(path));
  } catch (e) {
    if (e instanceof Error && e.name === 'SecureChatError') throw e;
    throw localError('USAGE', `could not read the log ${path}; check the path`, e);
  }
  const r = verifyLegacyLog(content, password);
  if (json) {
    const obj = r.ok ? { ok: true, entries: r.entries, file: path } : { ok: false, line: r.line, reason: r.reason, verifiedEntries: r.entries, file: path };
    return { exitCode: r.ok ? 0 : 7, lines: [JSON.stringify(obj)] };
  }
  if (r.ok) return { exitCode: 0, lines: [`ok: ${r.entries} entries in the original format verify (${path})`] };
  return { exitCode: 7, lines: [`invalid: line ${r.line}: ${r.reason}`, `the first ${r.entries} entries verify`] };
};

/** Prints a result of src/log/commands.ts: JSON lines get an "event"; problems go to stderr. */
function print(cli: Cli, kind: string, r: CommandResult): ExitCode {
  for (const line of r.lines) {
    if (cli.out.json) {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        obj = { message: line };
      }
      const rec = typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>) : { value: obj };
      cli.out.plain(JSON.stringify({ event: kind, ...rec }));
    } else if (r.exitCode === 0 || line.startsWith('#')) {
      cli.out.line(line);
    } else {
      // The verdict of a failed check is the command's result: -q must not hide it.
      cli.out.notice(line);
    }
  }
  return r.exitCode === 0 ? ExitCode.OK : ExitCode.LOG_INVALID;
}

export const logCommand: Command = {
  name: 'log',
  summary: 'show, verify or repair your encrypted conversation log',
  help: `usage: securechat log show [--peer NAME] [--as NAME]
       securechat log verify [FILE] [--anchor COUNT:HEX] [--as NAME]
       securechat log verify --legacy FILE
       securechat log repair [--as NAME]

Every message you send and receive is appended to your log, encrypted and chained so that
an edited, deleted, reordered or truncated entry is found. "show" decrypts and prints it;
"verify" checks it (exit 7 on any problem, naming the first bad entry); "repair" cuts off a
torn last entry after a crash, and refuses anything else. --legacy verifies a log written
by the original program (logging.txt, clientlogging.txt) with the password it used.

options:
  --as NAME            the local user (default: the only local user)
  --peer NAME          (show) only the entries about NAME
  --anchor COUNT:HEX   (verify) an anchor printed earlier: also detects a rollback
  --legacy             (verify) FILE is in the original program's format`,
  options: { as: { type: 'string' }, peer: { type: 'string' }, anchor: { type: 'string' }, legacy: { type: 'boolean' } },
  positionals: 2,
  async run(cli, args) {
    const [sub, file] = args.positionals;
    const json = cli.out.json;
    if (sub === 'verify' && optBool(args, 'legacy')) {
      if (file === undefined) throw localError('USAGE', 'say which file to verify: securechat log verify --legacy FILE');
      const pw = await cli.password('password the log was written with: ');
      try {
        return print(cli, 'log-verify', await logVerify({ userDir: '', file, legacy: { verify: legacyVerifier(json), password: pw } }));
      } finally {
        wipe(pw);
      }
    }
    if (sub !== 'show' && sub !== 'verify' && sub !== 'repair') {
      throw localError('USAGE', `say what to do with the log: show, verify or repair; see \`securechat log --help\``);
    }
    if (file !== undefined && sub !== 'verify') throw localError('USAGE', `unexpected argument "${file}"; see \`securechat log --help\``);
    const users = await cli.users(false).catch(() => undefined);
    const self = await loadSelf(cli, await selfName(cli, optString(args, 'as'), undefined, users), users, false);
    const peer = optString(args, 'peer');
    const anchor = optString(args, 'anchor');
    try {
      switch (sub) {
        case 'show':
          return print(cli, 'log-entry', await logShow({ userDir: self.dir, json, ...(peer === undefined ? {} : { peer }) }));
        case 'verify':
          return print(cli, 'log-verify', await logVerify({ userDir: self.dir, json, ...(file === undefined ? {} : { file }), ...(anchor === undefined ? {} : { anchor }) }));
        case 'repair':
          return print(cli, 'log-repair', await logRepair({ userDir: self.dir, json }));
      }
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'NOT_INITIALISED') {
        throw localError('NOT_INITIALISED', `${self.name} has no conversation log yet (it starts with the first conversation)`, e);
      }
      throw e;
    }
  },
};
