/**
 * History: the last messages of a conversation with one peer, read from the user's log (which
 * is verified as it is read), for showing when a conversation opens. Marked as history where
 * shown, so nobody takes an old line for a new one.
 */
import { EventKind } from '../log/event.js';
import { logRecords } from './log-events.js';

/** How many earlier messages opening a conversation shows by default (`--history N`). */
export const DEFAULT_HISTORY = 20;

export interface HistoryItem {
  readonly direction: 'in' | 'out';
  readonly peer: string;
  readonly text: string;
  readonly at: number;
}

/** What `history` found: the messages, and whether the log stopped verifying part-way. */
export interface History {
  readonly items: HistoryItem[];
  /** Set when the log does not verify: the entry it stops at (the items are from before it). */
  readonly invalidAt?: number;
}

/**
 * The last `limit` messages exchanged with `peer` (oldest first); none when there is no log yet.
 * With `before` (ms since the epoch), only messages logged before then: a conversation that
 * just came in shows what came before it, not its own first message a second time.
 */
export async function history(userDir: string, peer: string, limit: number, before?: number): Promise<History> {
  if (limit <= 0) return { items: [] };
  const items: HistoryItem[] = [];
  let invalidAt: number | undefined;
  for (const v of await logRecords(userDir, peer)) {
    // logShow's last line, when the log does not verify: `{ok: false, index, ...}`.
    if (v['ok'] === false && typeof v['index'] === 'number') invalidAt = v['index'];
    if (typeof v['text'] !== 'string' || typeof v['at'] !== 'number') continue;
    const direction = v['kind'] === EventKind.MESSAGE_SENT ? 'out' : v['kind'] === EventKind.MESSAGE_RECEIVED ? 'in' : undefined;
    if (direction === undefined || (before !== undefined && v['at'] >= before)) continue;
    items.push({ direction, peer, text: v['text'], at: v['at'] });
  }
  return { items: items.slice(-limit), ...(invalidAt === undefined ? {} : { invalidAt }) };
}
