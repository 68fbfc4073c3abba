/**
 * History: the last messages of a conversation with one peer, read from the user's log (which
 * is verified as it is read), for showing when a conversation opens. Marked as history where
 * shown, so nobody takes an old line for a new one.
 */
import { isSecureChatError } from '../errors.js';
import { EventKind } from '../log/event.js';
import { logShow } from '../log/commands.js';

/** How many earlier messages opening a conversation shows by default (`--history N`). */
export const DEFAULT_HISTORY = 20;

export interface HistoryItem {
  readonly direction: 'in' | 'out';
  readonly peer: string;
  readonly text: string;
  readonly at: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The last `limit` messages exchanged with `peer` (oldest first); none when there is no log yet.
 * With `before` (ms since the epoch), only messages logged before then: a conversation that
 * just came in shows what came before it, not its own first message a second time.
 */
export async function history(userDir: string, peer: string, limit: number, before?: number): Promise<HistoryItem[]> {
  if (limit <= 0) return [];
  let lines: readonly string[];
  try {
    const r = await logShow({ userDir, peer, json: true });
    lines = r.lines;
  } catch (e) {
    if (isSecureChatError(e) && e.code === 'NOT_INITIALISED') return [];
    throw e;
  }
  const items: HistoryItem[] = [];
  for (const l of lines) {
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      continue;
    }
    if (!isRecord(v) || typeof v['text'] !== 'string' || typeof v['at'] !== 'number') continue;
    const direction = v['kind'] === EventKind.MESSAGE_SENT ? 'out' : v['kind'] === EventKind.MESSAGE_RECEIVED ? 'in' : undefined;
    if (direction === undefined || (before !== undefined && v['at'] >= before)) continue;
    items.push({ direction, peer, text: v['text'], at: v['at'] });
  }
  return items.slice(-limit);
}
