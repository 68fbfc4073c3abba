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
 * One UI server's secrets: the one-time token and, once it was used, the session. Not safe
 * for concurrent use from several processes (it is in memory of one).
 */
export class Gate {
  #token: Uint8Array | null;
  #session: Uint8Array | null = null;
  readonly port: number;

  constructor(port: number, random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))) {
    this.port = port;
    this.#token = random(SECRET_BYTES);
    this.#random = random;
  }

  readonly #random: (n: number) => Uint8Array;

  /** The token for the first URL; `null` once it was used. */
  get token(): string | null {
    return this.#token === null ? null : Buffer.from(this.#token).toString('base64url');
  }

  /**
   * Exchanges the one-time token for a session: returns the new session cookie's value, or
   * `null` (wrong token, or the token was already used). A wrong guess does not spend it.
   */
  redeem(candidate: string): string | null {
    if (this.#token === null || !B64URL_32.test(candidate)) return null;
    const bytes = new Uint8Array(Buffer.from(candidate, 'base64url'));
    const ok = bytes.length === SECRET_BYTES && ctEqual(bytes, this.#token);
    wipe(bytes);
    if (!ok) return null;
    wipe(this.#token);
    this.#token = null;
    if (this.#session !== null) wipe(this.#session);
    this.#session = this.#random(SECRET_BYTES);
    return Buffer.from(this.#session).toString('base64url');
  }

  /** Whether the request's cookie header carries the session. */
  hasSession(cookieHeader: string | undefined): boolean {
    if (this.#session === null || cookieHeader === undefined) return false;
    const v = readCookie(cookieHeader, cookieName(this.port));
    if (v === undefined || !B64URL_32.test(v)) return false;
    const bytes = new Uint8Array(Buffer.from(v, 'base64url'));
    const ok = bytes.length === SECRET_BYTES && ctEqual(bytes, this.#session);
    wipe(bytes);
    return ok;
  }

  /** The Set-Cookie header for a session value. */
  setCookie(value: string): string {
    return `${cookieName(this.port)}=${value}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** Forgets the token and the session (on shutdown). */
  close(): void {
    if (this.#token !== null) wipe(this.#token);
    if (this.#session !== null) wipe(this.#session);
    this.#token = null;
    this.#session = null;
  }
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
