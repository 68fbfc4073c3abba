/**
 * v0's log line (legacy-v0.md "Logs"): `DD-MM-YYYY HH:MM:SS + TEXT::HMAC:` followed by
 * hex(HMAC-SHA256(key = UTF-8(password), msg = UTF-8 of everything before `::HMAC:`)), the
 * time in UTC, and a verifier for a whole log file.
 *
 * The time is the logging clock, not the message's timestamp (the vectors pin it separately).
 * TEXT is written as received, so a text with a newline makes a multi-line entry; the verifier
 * joins lines until one ends in `::HMAC:` + 64 hex digits, and takes the last `::HMAC:`.
 */
import { localError, remoteError, type SecureChatError } from '../errors.js';
import { ctEqual, fromUtf8, toHex, utf8 } from '../crypto/bytes.js';
import { hmacSha256 } from '../crypto/hash.js';

const two = (n: number): string => String(n).padStart(2, '0');

/** `DD-MM-YYYY HH:MM:SS` in UTC for a time in milliseconds since the epoch. */
export function formatLogTime(epochMs: number): string {
  const d = new Date(epochMs);
  if (Number.isNaN(d.getTime())) throw localError('USAGE', 'invalid log time');
  return `${two(d.getUTCDate())}-${two(d.getUTCMonth() + 1)}-${String(d.getUTCFullYear()).padStart(4, '0')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** The whole log line (without the trailing newline). */
export function formatLogLine(text: string, password: Uint8Array, epochMs: number): string {
  const head = `${formatLogTime(epochMs)} + ${text}`;
  return `${head}::HMAC:${toHex(hmacSha256(password, utf8(head)))}`;
}

export type LogVerifyResult =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly entries: number; readonly line: number; readonly reason: string; readonly error: SecureChatError };

const ENTRY_END = /::HMAC:[0-9a-f]{64}$/;
const ENTRY_START = /^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2} \+ /;

/**
 * Checks every entry of a v0 log file (`logging.txt` / `clientlogging.txt`). Reports the
 * first bad entry by its first line number (1-based) and why. An empty file is valid.
 */
export function verifyLegacyLog(content: Uint8Array, password: Uint8Array): LogVerifyResult {
  let text: string;
  try {
    text = fromUtf8(content);
  } catch {
    return fail(0, 1, 'the file is not valid UTF-8');
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return checkEntries(lines, password);
}

function checkEntries(lines: readonly string[], password: Uint8Array): LogVerifyResult {
  let entries = 0;
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!ENTRY_END.test(line)) continue;
    const entry = lines.slice(start, i + 1).join('\n');
    const bad = checkEntry(entry, password);
    if (bad !== null) return fail(entries, start + 1, bad);
    entries++;
    start = i + 1;
  }
  if (start < lines.length) return fail(entries, start + 1, 'entry without a ::HMAC: tag (truncated or edited)');
  return { ok: true, entries };
}

function checkEntry(entry: string, password: Uint8Array): string | null {
  if (!ENTRY_START.test(entry)) return 'does not start with "DD-MM-YYYY HH:MM:SS + "';
  const at = entry.lastIndexOf('::HMAC:');
  const head = entry.slice(0, at);
  const tag = utf8(entry.slice(at + 7));
  if (!ctEqual(tag, utf8(toHex(hmacSha256(password, utf8(head)))))) return 'HMAC does not match (edited, or another password)';
  return null;
}

function fail(entries: number, line: number, reason: string): LogVerifyResult {
  return { ok: false, entries, line, reason, error: remoteError('LOG_INVALID', `line ${line}: ${reason}`) };
}
