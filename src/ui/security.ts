/**
 * The local web interface's gatekeeping (docs/SECURITY.md "Local web interface", docs/UI.md):
 *
 * - a one-time token (32 random bytes, base64url) in the first URL's fragment (`#token=`: a
 *   fragment is never sent to a server, nor in a Referer), which the page's script exchanges
 *   once (POST /api/session) for a session secret (another 32 random bytes), compared in
 *   constant time;
 * - the session is kept in the page's sessionStorage, which is per origin (scheme, host and
 *   port), and sent as `Authorization: Bearer` on each API request and as a WebSocket
 *   subprotocol. No cookie: a browser sends cookies to every port of 127.0.0.1, so another
 *   local user's server on another port would receive it (attack finding U2);
 * - the Host header must name this server (127.0.0.1:PORT or localhost:PORT): a DNS-rebinding
 *   page on another name gets nothing;
 * - the Origin header, when present (and always on the WebSocket upgrade and on requests that
 *   change something), must be this server's own origin: no cross-site request or WebSocket;
 * - a strict Content-Security-Policy and the usual hardening headers on every response.
 * The page's files (HTML, script, style) hold no secret and are served to any local request
 * that passes the Host and Origin checks; everything under /api/ and the WebSocket need the
 * session.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ctEqual, wipe } from '../crypto/bytes.js';
import { UI_MAX_PENDING_LINKS, UI_MAX_SESSIONS } from '../limits.js';

/** Bytes of the one-time token and of the session secret. */
export const SECRET_BYTES = 32;

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;

/** The host names the server answers to (it binds 127.0.0.1 only). */
export const LOCAL_HOSTS = ['127.0.0.1', 'localhost'] as const;

/** The WebSocket subprotocol the page speaks; the session travels as a second one, `session.SECRET`. */
export const WS_PROTOCOL = 'securechat';
const WS_SESSION_PREFIX = 'session.';

/**
 * One page server's secrets: the one-time link tokens not used yet, and the sessions of the
 * browsers that used one. Each `mint` (one per `securechat ui`) gives a fresh token good for one
 * use; at most `UI_MAX_PENDING_LINKS` unused tokens and `UI_MAX_SESSIONS` sessions are kept (the
 * oldest is dropped and wiped). Every comparison is constant-time and looks at every stored
 * secret. Not safe for concurrent use from several processes (it is in memory of one).
 */
export class Gate {
  readonly #tokens: Uint8Array[] = [];
  readonly #sessions: Uint8Array[] = [];
  readonly #random: (n: number) => Uint8Array;
  #closed = false;
  readonly port: number;

  constructor(port: number, random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))) {
    this.port = port;
    this.#random = random;
    this.mint();
  }

  /** A fresh one-time token for a new link (base64url); `null` once the gate is closed. */
  mint(): string | null {
    if (this.#closed) return null;
    const t = this.#random(SECRET_BYTES);
    this.#tokens.push(t);
    while (this.#tokens.length > UI_MAX_PENDING_LINKS) wipe(this.#tokens.shift() ?? new Uint8Array(0));
    return Buffer.from(t).toString('base64url');
  }

  /** The newest unused token; `null` when every one was used. */
  get token(): string | null {
    const t = this.#tokens.at(-1);
    return t === undefined ? null : Buffer.from(t).toString('base64url');
  }

  /**
   * Exchanges a one-time token for a session: returns the new session secret, or
   * `null` (wrong token, or the token was already used). A wrong guess spends nothing.
   */
  redeem(candidate: string): string | null {
    if (!B64URL_32.test(candidate)) return null;
    const i = findSecret(this.#tokens, candidate);
    if (i < 0) return null;
    const [used] = this.#tokens.splice(i, 1);
    if (used !== undefined) wipe(used);
    const session = this.#random(SECRET_BYTES);
    this.#sessions.push(session);
    while (this.#sessions.length > UI_MAX_SESSIONS) wipe(this.#sessions.shift() ?? new Uint8Array(0));
    return Buffer.from(session).toString('base64url');
  }

  /** Whether `secret` (base64url) is one of the sessions. */
  isSession(secret: string | undefined): boolean {
    return secret !== undefined && B64URL_32.test(secret) && findSecret(this.#sessions, secret) >= 0;
  }

  /** Whether an `Authorization: Bearer SECRET` header carries one of the sessions. */
  hasSession(authorization: string | undefined): boolean {
    return this.isSession(bearer(authorization));
  }

  /** Whether a `Sec-WebSocket-Protocol` header offers this page's protocol and one of the sessions. */
  hasWsSession(protocols: string | undefined): boolean {
    const offered = (protocols ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(WS_PROTOCOL)) return false;
    const s = offered.find((p) => p.startsWith(WS_SESSION_PREFIX));
    return this.isSession(s?.slice(WS_SESSION_PREFIX.length));
  }

  /** Forgets every token and session (on shutdown); `mint` gives nothing after. */
  close(): void {
    this.#closed = true;
    for (const t of this.#tokens.splice(0)) wipe(t);
    for (const t of this.#sessions.splice(0)) wipe(t);
  }
}

/** The index of the secret equal to `candidate` (base64url of 32 bytes), or -1; compares with every one in constant time. */
function findSecret(secrets: readonly Uint8Array[], candidate: string): number {
  const bytes = new Uint8Array(Buffer.from(candidate, 'base64url'));
  let found = -1;
  if (bytes.length === SECRET_BYTES) {
    secrets.forEach((s, i) => {
      if (ctEqual(bytes, s) && found < 0) found = i;
    });
  }
  wipe(bytes);
  return found;
}

/** The secret of an `Authorization: Bearer SECRET` header, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9_-]{1,128})$/.exec(header ?? '');
  return m?.[1];
}

/** The Host header if it names this server, else undefined. */
export function checkHost(headers: IncomingHttpHeaders, port: number): string | undefined {
  const host = headers.host;
  if (host === undefined) return undefined;
  return LOCAL_HOSTS.some((h) => host === `${h}:${port}`) ? host : undefined;
}

export type OriginCheck = 'ok' | 'missing' | 'foreign';

/** The Origin header compared with this server's own origin (`http://` + the checked Host). */
export function checkOrigin(headers: IncomingHttpHeaders, host: string): OriginCheck {
  const origin = headers.origin;
  if (origin === undefined) return 'missing';
  return origin === `http://${host}` ? 'ok' : 'foreign';
}

/** The Content-Security-Policy: only this server's own scripts, styles and sockets. */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self' data:",
    "font-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Headers on every response. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
}
