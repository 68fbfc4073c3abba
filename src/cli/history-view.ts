/**
 * Showing history when a conversation opens: the last N messages with the peer, asked of the
 * agent (which writes the log), each line marked `history` so nobody takes it for a new one.
 */
import type { AgentClient } from '../agent/client.js';
import type { JsonObject } from '../agent/rpc.js';
import { localError } from '../errors.js';
import { DEFAULT_HISTORY } from '../app/history.js';
import { MAX_HISTORY_MESSAGES } from '../limits.js';
import type { Cli } from './context.js';
import { printable } from './output.js';

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Shows the last `limit` messages of `as` with `peer`; with `before` (ISO time), only those
 * logged before then (a conversation that came in: not its own first message). A failure is
 * one warning; the chat goes on.
 */
export async function showHistory(cli: Cli, agent: AgentClient, as: string, peer: string, limit: number, before?: string): Promise<void> {
  if (limit <= 0) return;
  let r;
  try {
    r = await agent.call('history', { as, peer, limit, ...(before === undefined ? {} : { before }) });
  } catch (e) {
    cli.out.warn(`the history with ${peer} cannot be shown: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const items = isObject(r) && Array.isArray(r['items']) ? r['items'].filter(isObject) : [];
  const invalid = isObject(r) && typeof r['invalid'] === 'string' ? r['invalid'] : undefined;
  if (invalid !== undefined) cli.out.warn(invalid, { event: 'warning', code: 'LOG_INVALID', message: invalid });
  if (items.length === 0) return;
  cli.out.status(`the last ${items.length} message${items.length === 1 ? '' : 's'} with ${peer} (history):`);
  for (const h of items) {
    const text = typeof h['text'] === 'string' ? h['text'] : '';
    const at = typeof h['at'] === 'string' ? h['at'] : '';
    const direction = h['direction'] === 'out' ? 'out' : 'in';
    const who = direction === 'out' ? 'you' : cli.out.name(peer);
    cli.out.line(`history [${at.slice(0, 19).replace('T', ' ')}] ${who}: ${printable(text)}`, { event: 'history', peer, direction, text, at });
  }
}

/** `--history N`: how many earlier messages to show when a conversation opens (`def` when not given). */
export function historyOption(text: string | undefined, def: number = DEFAULT_HISTORY): number {
  if (text === undefined) return def;
  if (!/^\d{1,6}$/.test(text) || Number(text) > MAX_HISTORY_MESSAGES) throw localError('USAGE', `--history must be a number of messages from 0 (none) to ${MAX_HISTORY_MESSAGES}, not "${text.slice(0, 20)}"`);
  return Number(text);
}
