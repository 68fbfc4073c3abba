/// <reference lib="dom" />
/**
 * The page's only ways out: the JSON API (same origin, the session cookie goes along by
 * itself) and the WebSocket of events. Nothing is stored in the browser.
 */
import type { ServerEvent } from '../protocol.js';

/** A failure reported by the server (or the network): a code and one sentence. */
export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function errorOf(v: unknown): { code: string; message: string } | undefined {
  if (typeof v !== 'object' || v === null || !('error' in v)) return undefined;
  const e: unknown = v.error;
  if (typeof e !== 'object' || e === null || !('code' in e) || !('message' in e)) return undefined;
  return typeof e.code === 'string' && typeof e.message === 'string' ? { code: e.code, message: e.message } : undefined;
}

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure('UI_OFFLINE', 'securechat is not answering; is `securechat ui` still running?');
  }
  let value: unknown;
  try {
    value = (await res.json()) as unknown;
  } catch {
    throw new ApiFailure('UI_BAD_ANSWER', `securechat gave an unreadable answer (HTTP ${res.status})`);
  }
  if (!res.ok) {
    const e = errorOf(value);
    throw new ApiFailure(e?.code ?? 'UI_ERROR', e?.message ?? `the request failed (HTTP ${res.status})`);
  }
  return value as T;
}

/** Opens the event socket; `onEvent` for each event, `onDown` once when it closes. */
export function events(onEvent: (e: ServerEvent) => void, onDown: () => void): WebSocket {
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.addEventListener('message', (m: MessageEvent<unknown>) => {
    if (typeof m.data !== 'string') return;
    try {
      onEvent(JSON.parse(m.data) as ServerEvent);
    } catch {
      // an event we cannot read is skipped
    }
  });
  ws.addEventListener('close', () => onDown());
  return ws;
}
