/// <reference lib="dom" />
/**
 * The page's only ways out: the JSON API and the WebSocket of events, both on this origin.
 * The session: the link's one-time token (in the fragment, never sent to a server) is
 * exchanged once for a session secret, kept in sessionStorage (per origin, port included: a
 * server on another port of 127.0.0.1 never sees it, as it would a cookie) and sent as an
 * Authorization header and as a WebSocket subprotocol. Nothing else is stored in the browser.
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

const SESSION_KEY = 'securechat-session';

function session(): string {
  try {
    return sessionStorage.getItem(SESSION_KEY) ?? '';
  } catch {
    return '';
  }
}

/**
 * Starts the page's session: a `#token=` in the address is exchanged for a session secret
 * (and leaves the address bar); without one, the session this tab already has is kept.
 * Resolves true when there is a session to use.
 */
export async function begin(): Promise<boolean> {
  const token = /^#token=([A-Za-z0-9_-]{43})$/.exec(location.hash)?.[1];
  if (token !== undefined) {
    history.replaceState(null, '', location.pathname);
    try {
      const r = await call<{ session: string }>('POST', '/api/session', { token });
      sessionStorage.setItem(SESSION_KEY, r.session);
    } catch (e) {
      // A used link in a tab that has a session already is that session.
      if (session() === '') throw e;
    }
  }
  return session() !== '';
}

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  const s = session();
  const headers: Record<string, string> = s === '' ? {} : { Authorization: `Bearer ${s}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    res = await fetch(path, {
      method,
      credentials: 'omit',
      cache: 'no-store',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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

/**
 * Keeps the event socket open: `onEvent` for each event (each new socket begins with the whole
 * state). A socket that closes (the server drops a page that fell behind) is opened again;
 * `onDown` once when it cannot be opened any more.
 */
export function events(onEvent: (e: ServerEvent) => void, onDown: () => void): void {
  let failures = 0;
  const open = (): void => {
    const ws = new WebSocket(`ws://${location.host}/ws`, ['securechat', `session.${session()}`]);
    ws.addEventListener('message', (m: MessageEvent<unknown>) => {
      failures = 0;
      if (typeof m.data !== 'string') return;
      try {
        onEvent(JSON.parse(m.data) as ServerEvent);
      } catch {
        // an event we cannot read is skipped
      }
    });
    ws.addEventListener('close', () => {
      failures++;
      if (failures > 3) onDown();
      else setTimeout(open, 500 * failures);
    });
  };
  open();
}
