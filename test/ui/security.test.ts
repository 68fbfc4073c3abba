/**
 * The local server's gate, with plain node:http requests and a `ws` client: no token or
 * cookie → 403; the token works once; a foreign Host → 421; a foreign Origin (requests and
 * the WebSocket upgrade) → 403; state-changing requests need the Origin; malformed, oversize
 * and wrongly typed bodies get a JSON error and the server keeps serving; hardening headers;
 * every fresh link works once, a used one opens the page for a browser that has a session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import type { RunningUi } from '../../src/ui/start.js';
import { cookieName, Gate } from '../../src/ui/security.js';
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
let cookie: string;

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

test('without the token or the session cookie everything is refused', async () => {
  for (const path of ['/', '/app.js', '/style.css', '/api/state', '/api/log', '/nope']) {
    const r = await send(port, { path });
    assert.equal(r.status, 403, path);
    assert.equal(r.headers['set-cookie'], undefined);
  }
  const r = await send(port, { method: 'POST', path: '/api/listen', headers: { Origin: origin, 'Content-Type': 'application/json' }, body: '{"on":true}' });
  assert.equal(r.status, 403);
  assert.equal(code(r), 'NO_SESSION');
  // A wrong token is refused and does not spend the real one; a forged cookie is refused.
  assert.equal((await send(port, { path: '/?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status, 403);
  assert.equal((await send(port, { path: '/?token=short' })).status, 403);
  assert.equal((await send(port, { path: '/api/state', headers: { Cookie: `${cookieName(port)}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` } })).status, 403);
});

test('the token works once, and only with this server as Host; the session needs it everywhere', async () => {
  const token = new URL(ui.server.url).searchParams.get('token') ?? '';
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(new URL(ui.server.url).hostname, '127.0.0.1');
  // Foreign Host (DNS rebinding): refused before the token is looked at.
  const rebound = await send(port, { path: `/?token=${token}`, headers: { Host: `evil.example:${port}` } });
  assert.equal(rebound.status, 421);
  const first = await send(port, { path: `/?token=${token}` });
  assert.equal(first.status, 303);
  assert.equal(first.headers.location, '/');
  const set = first.headers['set-cookie']?.[0] ?? '';
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  assert.match(set, /Path=\//);
  cookie = set.split(';')[0] ?? '';
  assert.equal((await send(port, { path: `/?token=${token}` })).status, 403, 'a second use of the token');

  const page = await send(port, { path: '/', headers: { Cookie: cookie } });
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>SecureChat<\/title>/);
  const csp = String(page.headers['content-security-policy']);
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'", `ws://127.0.0.1:${port}`]) assert.ok(csp.includes(d), d);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['cache-control'], 'no-store');
  // No third-party resources in the page.
  assert.doesNotMatch(page.body, /https?:\/\//);

  const state = await send(port, { path: '/api/state', headers: { Cookie: cookie } });
  assert.equal(state.status, 200);
  assert.equal((JSON.parse(state.body) as { self: { name: string } }).self.name, 'dana');
  // localhost is this server too.
  assert.equal((await send(port, { path: '/api/state', headers: { Cookie: cookie, Host: `localhost:${port}` } })).status, 200);
  // Foreign Host with a valid session: refused.
  for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `127.0.0.1.evil.example:${port}`]) {
    assert.equal((await send(port, { path: '/api/state', headers: { Cookie: cookie, Host: host } })).status, 421, host);
  }
});

test('a foreign Origin is refused; state-changing requests need the Origin', async () => {
  for (const o of ['http://evil.example', `http://localhost:${port}`, `https://127.0.0.1:${port}`, 'null']) {
    const r = await send(port, { path: '/api/state', headers: { Cookie: cookie, Origin: o } });
    assert.equal(r.status, 403, o);
    assert.equal(code(r), 'WRONG_ORIGIN');
  }
  const body = '{"on":false}';
  const json = { 'Content-Type': 'application/json', Cookie: cookie };
  assert.equal((await send(port, { method: 'POST', path: '/api/listen', headers: json, body })).status, 403, 'no Origin');
  assert.equal((await send(port, { method: 'POST', path: '/api/listen', headers: { ...json, Origin: 'http://evil.example' }, body })).status, 403);
  const ok = await send(port, { method: 'POST', path: '/api/listen', headers: { ...json, Origin: origin }, body });
  assert.equal(ok.status, 200);
  assert.equal((JSON.parse(ok.body) as { on: boolean }).on, false);
});

test('malformed, oversize and wrongly typed requests get a JSON error; the server keeps serving', async () => {
  const h = { Cookie: cookie, Origin: origin, 'Content-Type': 'application/json' };
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
  const noPeer = await send(port, { path: '/api/verify?peer=nobody', headers: { Cookie: cookie } });
  assert.equal(noPeer.status, 422);
  assert.equal((await send(port, { method: 'DELETE', path: '/api/state', headers: { Cookie: cookie, Origin: origin } })).status, 405);
  assert.equal((await send(port, { path: '/api/state', headers: { Cookie: cookie } })).status, 200, 'still serving');
});

function upgrade(headers: Record<string, string>): Promise<{ opened: boolean; status?: number; first?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', () => resolve({ opened: false }));
    ws.on('message', (m: Buffer) => {
      resolve({ opened: true, first: m.toString('utf8') });
      ws.close();
    });
  });
}

test('the WebSocket needs this Origin and the session', async () => {
  assert.deepEqual(await upgrade({ Origin: 'http://evil.example', Cookie: cookie }), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({ Cookie: cookie }), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({ Origin: origin }), { opened: false, status: 403 });
  assert.deepEqual(await upgrade({ Origin: origin, Cookie: cookie, Host: `evil.example:${port}` }), { opened: false, status: 421 });
  const ok = await upgrade({ Origin: origin, Cookie: cookie });
  assert.equal(ok.opened, true);
  assert.equal((JSON.parse(ok.first ?? '{}') as { type: string }).type, 'state');
});

test('each fresh link (one per `securechat ui`) works once; a used link with a session opens the page, without one it says what to do', async () => {
  const fresh = new URL(ui.server.link());
  const token = fresh.searchParams.get('token') ?? '';
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  const first = await send(port, { path: `/?token=${token}` });
  assert.equal(first.status, 303);
  const other = String(first.headers['set-cookie']).split(';')[0] ?? '';
  assert.notEqual(other, cookie, 'a second browser gets its own session');
  // Both sessions work.
  assert.equal((await send(port, { path: '/api/state', headers: { Cookie: other } })).status, 200);
  assert.equal((await send(port, { path: '/api/state', headers: { Cookie: cookie } })).status, 200);
  // The used link again, from a browser with a session: on to the page, no new cookie.
  const again = await send(port, { path: `/?token=${token}`, headers: { Cookie: other } });
  assert.equal(again.status, 303);
  assert.equal(again.headers['location'], '/');
  assert.equal(again.headers['set-cookie'], undefined);
  // ...and from one without: refused, with an HTML page saying how to get a fresh link.
  const dead = await send(port, { path: `/?token=${token}` });
  assert.equal(dead.status, 403);
  assert.match(String(dead.headers['content-type']), /^text\/html/);
  assert.match(dead.body, /securechat ui/);
  assert.doesNotMatch(dead.body, /<script/i);
  assert.ok(String(dead.headers['content-security-policy']).includes("default-src 'none'"));
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
  assert.equal(gate.hasSession(`${cookieName(1)}=${sessions[0] ?? ''}`), false, 'the oldest session was dropped');
  gate.close();
  assert.equal(gate.mint(), null);
  assert.equal(gate.token, null);
});
