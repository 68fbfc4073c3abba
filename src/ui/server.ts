/**
 * The local web server of `securechat ui`: binds 127.0.0.1 only, serves the bundled page
 * (dist/ui/) and a JSON API, and pushes events over a WebSocket on the same server. Every
 * request passes the Gate (security.ts): Host, Origin, one-time token (in the link's fragment) →
 * session secret (an Authorization header; a WebSocket subprotocol).
 * Nothing secret is logged; a malformed request gets a JSON error and never stops the server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { isSecureChatError, localError } from '../errors.js';
import type { UiController } from './controller.js';
import type { PageActions } from './keys.js';
import { PasswordNeeded } from '../app/messenger.js';
import { ContextualError, uiError } from './errors.js';
import { field, HttpError, parseJsonObject, readBody, sendError, sendJson } from './http.js';
import type { ServerEvent } from './protocol.js';
import { checkHost, checkOrigin, Gate, securityHeaders, WS_PROTOCOL } from './security.js';

import { MAX_WS_PAYLOAD, UI_HEADERS_TIMEOUT_MS, UI_REQUEST_TIMEOUT_MS, UI_WS_MAX_BUFFERED_BYTES } from '../limits.js';

/** Where the bundled page is: dist/ui/ next to dist/src/ (scripts/build-ui.mjs writes it). */
export const DEFAULT_ASSETS = new URL('../../ui/', import.meta.url);

const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
} as const;
type AssetPath = keyof typeof ASSETS;

export interface UiServerOptions {
  readonly controller: UiController;
  readonly actions: PageActions;
  /** Called when the number of open pages (WebSockets) changes (the agent does not idle out while one is open). */
  readonly onActivity?: (openPages: number) => void;
  /** 0 = any free port. */
  readonly port: number;
  readonly assets?: URL;
}

export interface UiServer {
  readonly port: number;
  /** The first URL, with the one-time token in its fragment. */
  readonly url: string;
  /** A fresh one-time link (each `securechat ui` gets its own). */
  link(): string;
  /** Pages open now (WebSockets). */
  readonly openPages: number;
  close(): Promise<void>;
}

async function loadAssets(dir: URL): Promise<Map<AssetPath, Buffer>> {
  const m = new Map<AssetPath, Buffer>();
  for (const [path, a] of Object.entries(ASSETS) as [AssetPath, (typeof ASSETS)[AssetPath]][]) {
    try {
      m.set(path, await readFile(new URL(a.file, dir)));
    } catch (e) {
      throw localError('CONFIG', `the web page is not built (${a.file} is missing in ${dir.pathname}); run \`npm run build\``, e);
    }
  }
  return m;
}

export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const assets = await loadAssets(o.assets ?? DEFAULT_ASSETS);
  const server = createServer();
  server.headersTimeout = UI_HEADERS_TIMEOUT_MS;
  server.requestTimeout = UI_REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException): void => {
      reject(e.code === 'EADDRINUSE' ? localError('ADDRESS_IN_USE', `port ${o.port} is in use`, e) : localError('NETWORK_ERROR', e.message, e));
    };
    server.once('error', fail);
    server.listen(o.port, '127.0.0.1', () => {
      server.off('error', fail);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  const gate = new Gate(port);
  const headers = securityHeaders(port);
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD, handleProtocols: () => WS_PROTOCOL });
  const app = o.controller;

  const api = new Api(app, o.actions, headers);
  const activity = (): void => o.onActivity?.(sockets.size);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'something unexpected went wrong', headers);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = checkHost(req.headers, port);
    if (host === undefined) return sendError(res, 421, 'WRONG_HOST', 'this server answers only to 127.0.0.1 and localhost', headers);
    const origin = checkOrigin(req.headers, host);
    const changing = req.method !== 'GET' && req.method !== 'HEAD';
    if (origin === 'foreign' || (changing && origin === 'missing')) return sendError(res, 403, 'WRONG_ORIGIN', 'requests from other sites are refused', headers);
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/api/session') return redeem(req, res);
    if (url.pathname.startsWith('/api/') && !gate.hasSession(req.headers.authorization)) {
      return sendError(res, 403, 'NO_SESSION', 'open the link printed by `securechat ui`', headers);
    }
    if (url.pathname.startsWith('/api/')) return api.handle(req, res, url);
    const asset = assets.get(url.pathname as AssetPath);
    if (asset === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return sendError(res, 404, 'NOT_FOUND', 'there is nothing here', headers);
    res.writeHead(200, { ...headers, 'Content-Type': ASSETS[url.pathname as AssetPath].type, 'Content-Length': String(asset.length) });
    res.end(req.method === 'HEAD' ? undefined : asset);
  }

  /** POST /api/session {token}: the page's script exchanges the link's one-time token for a session secret. */
  async function redeem(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 405, 'NOT_FOUND', 'there is no such request', headers);
    let token: string;
    try {
      token = field(parseJsonObject(req, await readBody(req)), 'token', 'string');
    } catch (e) {
      if (e instanceof HttpError) return sendError(res, e.status, e.code, e.message, headers);
      throw e;
    }
    const session = gate.redeem(token);
    if (session === null) return sendError(res, 403, 'LINK_USED', 'this link was used already (a link works once, in one browser); run `securechat ui` again in your terminal for a fresh link', headers);
    sendJson(res, 200, { session }, headers);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    socket.on('error', () => socket.destroy());
    const host = checkHost(req.headers, port);
    if (host === undefined) return refuse('421 Misdirected Request');
    if (checkOrigin(req.headers, host) !== 'ok') return refuse('403 Forbidden');
    if (!gate.hasWsSession(req.headers['sec-websocket-protocol'])) return refuse('403 Forbidden');
    if (new URL(req.url ?? '/', `http://${host}`).pathname !== '/ws') return refuse('404 Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      activity();
      const send = (e: ServerEvent): void => {
        if (ws.readyState !== ws.OPEN) return;
        // A page that stopped reading is dropped, not buffered without bound (attack finding
        // U3); a live page reconnects and gets the whole state again.
        if (ws.bufferedAmount > UI_WS_MAX_BUFFERED_BYTES) return ws.terminate();
        ws.send(JSON.stringify(e));
      };
      const off = app.subscribe(send);
      ws.on('message', () => undefined);
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        off();
        sockets.delete(ws);
        activity();
      });
      void app.state().then(
        (state) => send({ type: 'state', state }),
        (e: unknown) => send({ type: 'notice', level: 'error', message: uiError(e, { established: false }).message }),
      );
    });
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });

  const url = `http://127.0.0.1:${port}/#token=${gate.token ?? ''}`;
  return {
    port,
    url,
    link: () => `http://127.0.0.1:${port}/#token=${gate.mint() ?? ''}`,
    get openPages() {
      return sockets.size;
    },
    async close() {
      gate.close();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

/** The JSON API under /api/ (the session was checked already). */
class Api {
  constructor(
    private readonly app: UiController,
    private readonly actions: PageActions,
    private readonly headers: Record<string, string>,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      const value = await this.route(req, url);
      sendJson(res, 200, value, this.headers);
    } catch (e) {
      if (e instanceof HttpError) return sendError(res, e.status, e.code, e.message, this.headers);
      const inner = e instanceof ContextualError ? e.error : e;
      if (inner instanceof PasswordNeeded) return sendError(res, 422, 'PASSWORD_NEEDED', `the password of ${inner.account}'s listener is needed`, this.headers);
      const x = uiError(inner, e instanceof ContextualError ? e.ctx : { established: false });
      sendError(res, isSecureChatError(inner) ? 422 : 500, x.code, x.message, this.headers);
    }
  }

  private async route(req: IncomingMessage, url: URL): Promise<unknown> {
    const key = `${req.method ?? ''} ${url.pathname}`;
    const peerParam = (): string => {
      const p = url.searchParams.get('peer');
      if (p === null || p === '') throw new HttpError(400, 'BAD_REQUEST', 'say which peer with ?peer=NAME');
      return p;
    };
    switch (key) {
      case 'GET /api/state':
        return this.app.state();
      case 'GET /api/verify':
        return this.actions.verify(peerParam());
      case 'GET /api/log': {
        const p = url.searchParams.get('peer');
        return this.actions.log(p === null || p === '' ? undefined : p);
      }
      default:
    }
    if (req.method !== 'POST') throw new HttpError(req.method === 'GET' ? 404 : 405, 'NOT_FOUND', 'there is no such request');
    const body = parseJsonObject(req, await readBody(req));
    switch (url.pathname) {
      case '/api/connect': {
        const to = field(body, 'to', 'string').trim();
        if (to === '') throw new HttpError(400, 'BAD_REQUEST', 'say whom to connect to');
        // The password becomes bytes here; the bytes are wiped after the handshake. The JSON
        // string it came in cannot be wiped (JavaScript strings are immutable): it is dropped.
        // Without a password: a contact reconnects by keys, else the answer is PASSWORD_NEEDED.
        if (body['password'] === undefined) return this.app.connect(to, undefined);
        const text = field(body, 'password', 'string');
        body['password'] = undefined;
        if (text === '') throw new HttpError(400, 'BAD_REQUEST', 'the password is empty');
        const password = new Uint8Array(Buffer.from(text, 'utf8'));
        return this.app.connect(to, password);
      }
      case '/api/send':
        return this.app.send(field(body, 'conversation', 'string'), field(body, 'text', 'string'));
      case '/api/close':
        await this.app.closeConversation(field(body, 'conversation', 'string'));
        return { ok: true };
      case '/api/listen': {
        const on = field(body, 'on', 'boolean');
        const p = body['port'];
        if (p !== undefined && (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65_535)) {
          throw new HttpError(400, 'BAD_REQUEST', 'the port must be a number from 0 to 65535');
        }
        return this.app.setListening(on, p);
      }
      case '/api/verify':
        return this.actions.markVerified(field(body, 'peer', 'string'), field(body, 'fingerprint', 'string'));
      case '/api/trust':
        return this.actions.trust(field(body, 'peer', 'string'), field(body, 'fingerprint', 'string'));
      case '/api/distrust':
        return this.actions.distrust(field(body, 'peer', 'string'));
      case '/api/contacts/remove':
        return this.actions.removeContact(field(body, 'name', 'string'));
      case '/api/invite':
        return this.actions.invite();
      case '/api/accept':
        return this.actions.accept(field(body, 'invitation', 'string'));
      default:
        throw new HttpError(404, 'NOT_FOUND', 'there is no such request');
    }
  }
}
