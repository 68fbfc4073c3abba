/**
 * The user's log entries with one peer as records, verified as they are read (`log show
 * --json`): what history and the receiver's duplicate check read. No log yet: none. A line
 * that is not a JSON object is skipped; when the log stops verifying part-way, the last record
 * is `logShow`'s `{ok: false, index, ...}`.
 */
import { isSecureChatError } from '../errors.js';
import { logShow } from '../log/commands.js';

export async function logRecords(userDir: string, peer: string): Promise<Record<string, unknown>[]> {
  let lines: readonly string[];
  try {
    lines = (await logShow({ userDir, peer, json: true })).lines;
  } catch (e) {
    if (isSecureChatError(e) && e.code === 'NOT_INITIALISED') return [];
    throw e;
  }
  const out: Record<string, unknown>[] = [];
  for (const l of lines) {
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      continue;
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as Record<string, unknown>);
  }
  return out;
}
