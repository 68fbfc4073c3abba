/**
 * Logic of the `securechat log ...` commands, not wired to the CLI: each takes plain options and
 * returns `{ exitCode, lines }` (human lines, or one JSON object per line with `json`). The CLI
 * adds its prefix, chooses stdout/stderr and maps thrown `SecureChatError`s (no log secret,
 * I/O failures) to its own exit codes.
 *
 * Exit codes: 0 = the log verifies (or nothing to repair / repaired); 7 = the log is invalid.
 *
 * Output never carries secrets. Text from peers is shown with control characters escaped, so a
 * message cannot drive the terminal.
 */
import { isSecureChatError } from '../errors.js';
import { EventKind, type LogEvent } from './event.js';
import { logPaths, logPathsForFile, repairLog, verifyLogFile, type LogPaths } from './file.js';
import { loadLogSecret } from './secret.js';
import { formatAnchor, parseAnchor, type Problem, type VerifiedEntry, type VerifyResult } from './verify.js';
import { wipe } from '../crypto/bytes.js';

export const LogExitCode = {
  OK: 0,
  /** The log (or its head) does not verify, or a repair was refused. */
  INVALID: 7,
} as const;
export type LogExitCode = (typeof LogExitCode)[keyof typeof LogExitCode];

export interface CommandResult {
  readonly exitCode: number;
  readonly lines: readonly string[];
}

/**
 * `log verify --legacy FILE` checks a log in the original program's line format; it is
 * implemented in src/legacy/ (the legacy engineer) and plugged in here by the CLI, so that
 * src/log never imports legacy code. The password stays bytes past the prompt.
 */
export type LegacyLogVerifier = (file: string, password: Uint8Array) => Promise<CommandResult>;

/** Escapes C0/C1 control characters (and DEL) so text cannot drive the terminal. */
export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

function time(at: number): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? String(at) : d.toISOString();
}

/** One human line for one event. */
export function formatEvent(index: number, e: LogEvent): string {
  const pre = `#${index} ${time(e.at)}`;
  switch (e.kind) {
    case EventKind.MESSAGE_SENT:
      return e.group === undefined ? `${pre} -> ${safeText(e.peer)}: ${safeText(e.text)}` : `${pre} -> group ${safeText(e.group)}: ${safeText(e.text)}`;
    case EventKind.MESSAGE_RECEIVED:
      return e.group === undefined ? `${pre} <- ${safeText(e.peer)}: ${safeText(e.text)}` : `${pre} <- ${safeText(e.peer)} in group ${safeText(e.group)}: ${safeText(e.text)}`;
    case EventKind.CONVERSATION_START:
      return `${pre} conversation with ${safeText(e.peer)} started (key ${safeText(e.fingerprint)}, ${e.verification}${e.address === undefined ? '' : `, ${safeText(e.address)}`})`;
    case EventKind.CONVERSATION_END:
      return `${pre} conversation with ${safeText(e.peer)} ended: ${safeText(e.reason)}`;
    case EventKind.KEY_CHANGE:
      return `${pre} key of ${safeText(e.peer)} changed from ${safeText(e.oldFingerprint)} to ${safeText(e.newFingerprint)} (${e.accepted ? 'accepted' : 'refused'})`;
    case EventKind.AUTH_FAILED:
      return `${pre} failed authentication${e.peer === undefined ? '' : ` as ${safeText(e.peer)}`}${e.address === undefined ? '' : ` from ${safeText(e.address)}`}: ${safeText(e.reason)}`;
    case EventKind.LOG_REPAIRED:
      return `${pre} log repaired: ${e.action} at entry ${e.atIndex} (${e.bytesRemoved} bytes removed)`;
  }
}

function problemLines(p: Problem, v: VerifyResult): string[] {
  // The detail may start by naming the entry again ("entry 18: ..."): say it once.
  const detail = p.detail.startsWith(`entry ${p.index}: `) ? p.detail.slice(`entry ${p.index}: `.length) : p.detail;
  const lines = [`invalid: entry ${p.index}: ${p.kind}: ${detail}`, `the first ${v.records} entries verify`];
  if (p.kind === 'torn-tail') lines.push('run `securechat log repair` to cut the incomplete entry off (it records that it did)');
  if (p.kind === 'head-invalid') lines.push('run `securechat log repair` to rebuild the head from the log (a truncation before now can then no longer be detected)');
  if (p.kind === 'wrong-key') lines.push('this log was written under another log secret (another user or another home)');
  return lines;
}

function problemJson(p: Problem, v: VerifyResult): string {
  return JSON.stringify({ ok: false, kind: p.kind, index: p.index, detail: p.detail, verifiedRecords: v.records });
}

async function withSecret<T>(userDir: string, f: (secret: Uint8Array) => Promise<T>): Promise<T> {
  const secret = await loadLogSecret(userDir);
  try {
    return await f(secret);
  } finally {
    wipe(secret);
  }
}

export interface LogShowOptions {
  readonly userDir: string;
  readonly peer?: string;
  readonly json?: boolean;
}

/**
 * `log show [--peer NAME] [--json]`: the verified entries, decrypted. A log that does not
 * verify shows its verified prefix, then the problem, and exits 7.
 */
export async function logShow(o: LogShowOptions): Promise<CommandResult> {
  const v = await withSecret(o.userDir, (secret) => verifyLogFile({ paths: logPaths(o.userDir), secret, keepEntries: true }));
  const pick = (x: VerifiedEntry): boolean => o.peer === undefined || ('peer' in x.event && x.event.peer === o.peer);
  const shown = v.entries.filter(pick);
  const lines = o.json === true
    ? shown.map((x) => JSON.stringify({ index: x.index, ...x.event }))
    : shown.map((x) => formatEvent(x.index, x.event));
  if (v.ok) return { exitCode: LogExitCode.OK, lines };
  return { exitCode: LogExitCode.INVALID, lines: [...lines, ...(o.json === true ? [problemJson(v.problem, v)] : problemLines(v.problem, v))] };
}

export interface LogVerifyOptions {
  readonly userDir: string;
  /** `log verify FILE`: a log file elsewhere (its head is `FILE.head`); default the user's log. */
  readonly file?: string;
  /** `--anchor COUNT:HEX`: a head remembered elsewhere; detects a rollback of log and head together. */
  readonly anchor?: string;
  readonly json?: boolean;
  /** `--legacy`: verify `file` in the original line format with the password; see {@link LegacyLogVerifier}. */
  readonly legacy?: { readonly verify: LegacyLogVerifier; readonly password: Uint8Array };
}

/** `log verify [FILE]`: "ok" with the entry count and an anchor, or the first bad entry and what is wrong. */
export async function logVerify(o: LogVerifyOptions): Promise<CommandResult> {
  if (o.legacy !== undefined) {
    if (o.file === undefined) return { exitCode: LogExitCode.INVALID, lines: ['usage: log verify --legacy FILE'] };
    return o.legacy.verify(o.file, o.legacy.password);
  }
  const paths: LogPaths = o.file === undefined ? logPaths(o.userDir) : logPathsForFile(o.file);
  const anchor = o.anchor === undefined ? undefined : parseAnchor(o.anchor);
  const v = await withSecret(o.userDir, (secret) => verifyLogFile({ paths, secret, ...(anchor === undefined ? {} : { anchor }) }));
  if (!v.ok) return { exitCode: LogExitCode.INVALID, lines: o.json === true ? [problemJson(v.problem, v)] : problemLines(v.problem, v) };
  const a = v.state === undefined ? '' : formatAnchor(v.state);
  const checkpoints = v.records - v.events;
  if (o.json === true) {
    return { exitCode: LogExitCode.OK, lines: [JSON.stringify({ ok: true, records: v.records, events: v.events, checkpoints, anchor: a, headBehind: v.headBehind })] };
  }
  const lines = [`ok: ${v.records} entries (${v.events} events, ${checkpoints} checkpoints), anchor ${a}`];
  if (v.headBehind > 0) lines.push(`note: the head lags the log by ${v.headBehind} entries (a crash right after an append); the next writer updates it`);
  return { exitCode: LogExitCode.OK, lines };
}

export interface LogRepairOptions {
  readonly userDir: string;
  readonly json?: boolean;
  /** The clock, for the `log-repaired` event; default `Date.now()`. */
  readonly now?: number;
}

/** `log repair`: cuts a torn tail off, or rebuilds a missing head; refuses anything else (exit 7). */
export async function logRepair(o: LogRepairOptions): Promise<CommandResult> {
  const json = o.json === true;
  try {
    const r = await withSecret(o.userDir, (secret) => repairLog({ paths: logPaths(o.userDir), secret, now: o.now ?? Date.now() }));
    if (json) return { exitCode: LogExitCode.OK, lines: [JSON.stringify({ ok: true, ...r })] };
    switch (r.action) {
      case 'none':
        return { exitCode: LogExitCode.OK, lines: [`nothing to repair: the log verifies (${r.records} entries)`] };
      case 'truncated-torn-tail':
        return { exitCode: LogExitCode.OK, lines: [`repaired: cut off the incomplete entry ${r.atIndex} (${r.bytesRemoved} bytes); the repair is recorded as entry ${r.records - 1}`] };
      case 'rebuilt-head':
        return { exitCode: LogExitCode.OK, lines: [`repaired: rebuilt the head from ${r.atIndex} verified entries; the repair is recorded as entry ${r.records - 1}`] };
    }
  } catch (e) {
    if (isSecureChatError(e) && e.code === 'LOG_INVALID') {
      const lines = json ? [JSON.stringify({ ok: false, refused: true, detail: e.detail })] : [`refused: ${e.detail}`, 'only a torn tail or a missing head can be repaired; the log is left as it is'];
      return { exitCode: LogExitCode.INVALID, lines };
    }
    throw e;
  }
}
