/**
 * The local server's gate, with plain node:http requests and a `ws` client: without the
 * session the API and the WebSocket are refused (the page's files, which hold no secret, are
 * served); the link's token is exchanged once for a session (POST /api/session, with this
 * Origin); the session is a header, never a cookie; a foreign Host → 421; a foreign Origin
 * (requests and the WebSocket upgrade) → 403; state-changing requests need the Origin;
 * malformed, oversize and wrongly typed bodies get a JSON error and the server keeps serving;
 * hardening headers; every fresh link works once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import type { RunningUi } from '../../src/ui/start.js';
import { Gate } from '../../src/ui/security.js';
import { UI_MAX_PENDING_LINKS, UI_MAX_SESSIONS } from '../../src/limits.js';
import { makeHome, prepare, removeHomes, startFor } from './_fixture.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(port: number, o: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, headers: { Host: `127.0.0.1:${port}`, ...o.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

function code(r: Reply): string {
  return (JSON.parse(r.body) as { error: { code: string } }).error.code;
}

let ui: RunningUi;
let port: number;
let origin: string;
let auth: string;
let session: string;

before(async () => {
  prepare();
  ui = await startFor(await makeHome('dana'));
  port = ui.server.port;
  origin = `http://127.0.0.1:${port}`;
});

after(async () => {
  await ui?.close();
  await removeHomes();
});

function redeem(token: string, headers: Record<string, string> = { Origin: origin }): Promise<Reply> {
  return send(port, { method: 'POST', path: '/api/session', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ token }) });
}

test('without the session the API is refused; the page itself (no secret in it) is served; no cookie, ever', async () => {
  for (const path of ['/', '/app.js', '/style.css']) {
    const r = await send(port, { path });
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['set-cookie'], undefined);
  }
  for (const path of ['/api/state', '/api/log']) {
    const r = await send(port, { path });
    assert.equal(r.status, 403, path);
    assert.equal(code(r), 'NO_SESSION');
  }
  assert.equal((await send(port, { path: '/nope' })).status, 404);
  const r = await send(port, { method: 'POST', path: '/api/listen', headers: { Origin: origin, 'Content-Type': 'application/json' }, body: '{"on":true}' });
  assert.equal(r.status, 403);
  assert.equal(code(r), 'NO_SESSION');
  // A wrong token is refused and does not spend the real one; a forged session is refused.
  assert.equal(code(await redeem('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')), 'LINK_USED');
  assert.equal(code(await redeem('short')), 'LINK_USED');
  assert.equal((await send(port, { path: '/api/state', headers: { Authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status, 403);
  // The old query-string link opens nothing.
  const token = /#token=(.*)$/.exec(ui.server.url)?.[1] ?? '';
  assert.equal((await send(port, { path: `/?token=${token}` })).headers['set-cookie'], undefined);
});

test('the token (in the fragment) works once, only from this origin and Host; the session is needed everywhere', async () => {
  const link = new URL(ui.server.url);
  assert.equal(link.search, '', 'the token is not in the query (a query reaches servers and logs)');
  const token = /^#token=([A-Za-z0-9_-]{43})$/.exec(link.hash)?.[1] ?? '';
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(link.hostname, '127.0.0.1');
  // Foreign Host (DNS rebinding) and a missing or foreign Origin: refused before the token is looked at.
  assert.equal((await redeem(token, { Origin: `http://evil.example:${port}`, Host: `evil.example:${port}` })).status, 421);
  assert.equal(code(await redeem(token, {})), 'WRONG_ORIGIN');
  assert.equal(code(await redeem(token, { Origin: 'http://evil.example' })), 'WRONG_ORIGIN');
  const first = await redeem(token);
  assert.equal(first.status, 200);
  assert.equal(first.headers['set-cookie'], undefined);
  session = (JSON.parse(first.body) as { session: string }).session;
  assert.match(session, /^[A-Za-z0-9_-]{43}$/);
  auth = `Bearer ${session}`;
  assert.equal(code(await redeem(token)), 'LINK_USED', 'a second use of the token');

  const page = await send(port, { path: '/' });
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>SecureChat<\/title>/);
  const csp = String(page.headers['content-security-policy']);
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'", `ws://127.0.0.1:${port}`]) assert.ok(csp.includes(d), d);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['cache-control'], 'no-store');
  // No third-party resources in the page.
  assert.doesNotMatch(page.body, /https?:\/\//);

  const state = await send(port, { path: '/api/state', headers: { Authorization: auth } });
  assert.equal(state.status, 200);
  assert.equal((JSON.parse(state.body) as { self: { name: string } }).self.name, 'dana');
  // The session as a cookie (what a server on another port of 127.0.0.1 could receive) opens nothing.
  assert.equal((await send(port, { path: '/api/state', headers: { Cookie: `securechat_ui_${port}=${session}` } })).status, 403);
  // localhost is this server too.
  assert.equal((await send(port, { path: '/api/state', headers: { Authorization: auth, Host: `localhost:${port}` } })).status, 200);
  // Foreign Host with a valid session: refused.
  for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `127.0.0.1.evil.example:${port}`]) {
    assert.equal((await send(port, { path: '/api/state', headers: { Authorization: auth, Host: host } })).status, 421, host);
  }
});

test('a foreign Origin is refused; state-changing requests need the Origin', async () => {
  for (const o of ['http://evil.example', `http://localhost:${port}`, `https://127.0.0.1:${port}`, 'null']) {
    const r = await send(port, { path: '/api/state', headers: { Authorization: auth, Origin: o } });
    assert.equal(r.status, 403, o);
    assert.equal(code(r), 'WRONG_ORIGIN');
  }
  const body = '{"on":false}';
  const json = { 'Content-Type': 'application/json', Authorization: auth };
  assert.equal((await send(port, { method: 'POST', path: '/api/listen', headers: json, body })).status, 403, 'no Origin');
  assert.equal((await send(port, { method: 'POST', path: '/api/listen', headers: { ...json, Origin: 'http://evil.example' }, body })).status, 403);
  const ok = await send(port, { method: 'POST', path: '/api/listen', headers: { ...json, Origin: origin }, body });
  assert.equal(ok.status, 200);
  assert.equal((JSON.parse(ok.body) as { on: boolean }).on, false);
});

test('malformed, oversize and wrongly typed requests get a JSON error; the server keeps serving', async () => {
  const h = { Authorization: auth, Origin: origin, 'Content-Type': 'application/json' };
  const cases: [Record<string, string>, string | Buffer, number, string][] = [
    [h, '{"on":', 400, 'BAD_REQUEST'],
    [h, '[1,2]', 400, 'BAD_REQUEST'],
    [h, '{"on":"yes"}', 400, 'BAD_REQUEST'],
    [h, '{"on":true,"port":70000}', 400, 'BAD_REQUEST'],
    [h, Buffer.from([0x7b, 0xff, 0x7d]), 400, 'BAD_REQUEST'],
    [{ ...h, 'Content-Type': 'text/plain' }, '{"on":false}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [h, Buffer.alloc(600 * 1024, 0x20), 413, 'TOO_LARGE'],
  ];
  for (const [headers, body, status, c] of cases) {
    const r = await send(port, { method: 'POST', path: '/api/listen', headers, body });
    assert.equal(r.status, status, String(body).slice(0, 20));
    assert.equal(code(r), c);
  }
  const unknownConv = await send(port, { method: 'POST', path: '/api/send', headers: h, body: '{"conversation":"c999","text":"hi"}' });
  assert.equal(unknownConv.status, 422);
  assert.match(code(unknownConv), /USAGE/);
  const noPeer = await send(port, { path: '/api/verify?peer=nobody', headers: { Authorization: auth } });
  assert.equal(noPeer.status, 422);
  assert.equal((await send(port, { method: 'DELETE', path: '/api/state', headers: { Authorization: auth, Origin: origin } })).status, 405);
  assert.equal((await send(port, { path: '/api/state', headers: { Authorization: auth } })).status, 200, 'still serving');
});

function upgrade(headers: Record<string, string>, protocols: string[]): Promise<{ opened: boolean; status?: number; first?: string; protocol?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, protocols, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', () => resolve({ opened: false }));
    ws.on('message', (m: Buffer) => {
      resolve({ opened: true, first: m.toString('utf8'), protocol: ws.protocol });
      ws.close();
    });
  });
}

test('the WebSocket needs this Origin and the session (a subprotocol; a cookie is not enough)', async () => {
  const good = ['securechat', `session.${session}`];
  assert.deepEqual(await upgrade({ Origin: 'http://evil.example' }, good), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({}, good), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({ Origin: origin }, ['securechat']), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({ Origin: origin }, ['securechat', 'session.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({ Origin: origin }, [`session.${session}`]), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({ Origin: origin, Cookie: `securechat_ui_${port}=${session}` }, ['securechat']), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({ Origin: origin, Host: `evil.example:${port}` }, good), { opened: false, status: 421 });
  const ok = await upgrade({ Origin: origin }, good);
  assert.equal(ok.opened, true);
  assert.equal(ok.protocol, 'securechat', 'the server answers with the protocol, never echoing the session');
  assert.equal((JSON.parse(ok.first ?? '{}') as { type: string }).type, 'state');
});

test('each fresh link (one per `securechat ui`) works once and gives its own session', async () => {
  const fresh = ui.server.link();
  const token = /#token=([A-Za-z0-9_-]{43})$/.exec(fresh)?.[1] ?? '';
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  const first = await redeem(token);
  assert.equal(first.status, 200);
  const other = (JSON.parse(first.body) as { session: string }).session;
  assert.notEqual(other, session, 'a second browser gets its own session');
  // Both sessions work.
  assert.equal((await send(port, { path: '/api/state', headers: { Authorization: `Bearer ${other}` } })).status, 200);
  assert.equal((await send(port, { path: '/api/state', headers: { Authorization: auth } })).status, 200);
  // The used link again: refused with a sentence saying how to get a fresh one.
  const dead = await redeem(token);
  assert.equal(dead.status, 403);
  assert.match((JSON.parse(dead.body) as { error: { message: string } }).error.message, /securechat ui/);
});

test('the gate keeps at most UI_MAX_PENDING_LINKS unused links and UI_MAX_SESSIONS sessions (the oldest go)', () => {
  let n = 0;
  const gate = new Gate(1, (k) => new Uint8Array(k).fill(++n % 256));
  const first = gate.token ?? '';
  const links = Array.from({ length: UI_MAX_PENDING_LINKS }, () => gate.mint() ?? '');
  assert.equal(gate.redeem(first), null, 'the oldest unused link was dropped');
  const sessions = links.map((t) => gate.redeem(t));
  assert.ok(sessions.every((s) => s !== null));
  assert.equal(gate.redeem(links[0] ?? ''), null, 'each link once');
  for (let i = 0; i < UI_MAX_SESSIONS; i++) gate.redeem(gate.mint() ?? '');
  assert.equal(gate.isSession(sessions[0] ?? ''), false, 'the oldest session was dropped');
  gate.close();
  assert.equal(gate.mint(), null);
  assert.equal(gate.token, null);
});
