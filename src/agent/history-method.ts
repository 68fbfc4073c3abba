/**
 * The agent's `history` method (docs/AGENT-API.md §4.10): the last messages of one local user
 * with one peer, read from the log the agent writes, so a client that opens a conversation
 * (`chat`, the interactive flow, the page) shows them without reading the user's files itself.
 */
import { history } from '../app/history.js';
import { explain } from '../app/errors-text.js';
import { userDir } from '../identity/home.js';
import { usernameProblem } from '../identity/username.js';
import { MAX_HISTORY_BYTES, MAX_HISTORY_MESSAGES } from '../limits.js';
import { RpcCode, RpcFailure, type Json, type JsonObject } from './rpc.js';

function name(p: JsonObject, k: string): string {
  const v = p[k];
  const problem = typeof v === 'string' ? usernameProblem(v) : 'it must be a string';
  if (typeof v !== 'string' || problem !== undefined) throw new RpcFailure(RpcCode.INVALID_PARAMS, `"${k}" is not a valid username: ${problem ?? ''}`);
  return v;
}

/**
 * params `{as, peer, limit, before?}` → `{items: [{direction, peer, text, at}], truncated}`, and
 * `invalid` (a sentence) when the log stops verifying part-way: the items are from before that.
 */
export async function historyMethod(home: string, p: JsonObject): Promise<Json> {
  const as = name(p, 'as');
  const peer = name(p, 'peer');
  const limit = p['limit'];
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_HISTORY_MESSAGES) {
    throw new RpcFailure(RpcCode.INVALID_PARAMS, `"limit" must be a whole number from 0 to ${MAX_HISTORY_MESSAGES}`);
  }
  const b = p['before'];
  const before = typeof b === 'string' ? Date.parse(b) : undefined;
  if (b !== undefined && (before === undefined || Number.isNaN(before))) throw new RpcFailure(RpcCode.INVALID_PARAMS, '"before" must be an ISO 8601 time');
  let found;
  try {
    found = await history(userDir(home, as), peer, limit, before);
  } catch (e) {
    const x = explain(e, { established: false, user: as });
    throw new RpcFailure(RpcCode.FAILED, x.sentence, { code: x.code, exit: x.exit, sentence: x.sentence });
  }
  const items = found.items;
  // Newest first until the answer would grow past MAX_HISTORY_BYTES, then back in order.
  const out: JsonObject[] = [];
  let bytes = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const h = items[i];
    if (h === undefined) continue;
    const item = { direction: h.direction, peer: h.peer, text: h.text, at: new Date(h.at).toISOString() };
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (bytes > MAX_HISTORY_BYTES) break;
    out.push(item);
  }
  const invalid = found.invalidAt === undefined
    ? {}
    : { invalid: `${as}'s log does not verify from entry ${found.invalidAt} on, so only what comes before it is shown; see \`securechat log verify --as ${as}\`` };
  return { items: out.reverse(), truncated: out.length < items.length, ...invalid };
}
