/**
 * The local web interface's gatekeeping (docs/SECURITY.md "Local web interface", docs/UI.md):
 *
 * - a one-time token (32 random bytes, base64url) in the first URL, exchanged once for a
 *   session cookie (another 32 random bytes; HttpOnly, SameSite=Strict), compared in constant
 *   time;
 * - the Host header must name this server (127.0.0.1:PORT or localhost:PORT): a DNS-rebinding
 *   page on another name gets nothing;
 * - the Origin header, when present (and always on the WebSocket upgrade and on requests that
 *   change something), must be this server's own origin: no cross-site request or WebSocket;
 * - a strict Content-Security-Policy and the usual hardening headers on every response.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ctEqual, wipe } from '../crypto/bytes.js';
import { UI_MAX_PENDING_LINKS, UI_MAX_SESSIONS } from '../limits.js';

/** Bytes of the one-time token and of the session cookie. */
export const SECRET_BYTES = 32;

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;

/** The host names the server answers to (it binds 127.0.0.1 only). */
export const LOCAL_HOSTS = ['127.0.0.1', 'localhost'] as const;

/** The cookie's name carries the port: cookies are not port-isolated, two UIs must not clash. */
export function cookieName(port: number): string {
  return `securechat_ui_${port}`;
}

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
   * Exchanges a one-time token for a session: returns the new session cookie's value, or
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

  /** Whether the request's cookie header carries one of the sessions. */
  hasSession(cookieHeader: string | undefined): boolean {
    if (cookieHeader === undefined) return false;
    const v = readCookie(cookieHeader, cookieName(this.port));
    return v !== undefined && B64URL_32.test(v) && findSecret(this.#sessions, v) >= 0;
  }

  /** The Set-Cookie header for a session value. */
  setCookie(value: string): string {
    return `${cookieName(this.port)}=${value}; Path=/; HttpOnly; SameSite=Strict`;
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

/** The value of cookie `name` in a Cookie header (the first one), or undefined. */
export function readCookie(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
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
