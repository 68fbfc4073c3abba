/**
 * ATTACK FINDING U3 (attack2, /work/attack2/FINDINGS.md), LOW: the page's WebSocket sends
 * every event with `ws.send` and never looks at `bufferedAmount`, so a page client that stops
 * reading (a stuck browser, or a holder of a stolen session: U1, U2) makes the agent buffer
 * every later event without bound. Measured against the agent's page: a paused raw WebSocket
 * and 1 500 `POST /api/listen` toggles took the agent from 123 to 141 MiB, socket still open.
 * The agent socket drops such a client past AGENT_CLIENT_MAX_QUEUED_BYTES (4 MiB).
 *
 * Expected (fails on the current code): with a page socket that does not read, 64 MiB of
 * events end its connection before they are all delivered (the cap: some MiB, the kernel's
 * loopback buffers a few more).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import { makeHome, removeHomes, startFor } from '../ui/_fixture.js';
import { within } from '../_util/wait.js';

after(removeHomes);

function session(port: number, url: string): Promise<string> {
  const token = /#token=([A-Za-z0-9_-]{43})$/.exec(url)?.[1] ?? '';
  return within(
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ token });
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/session', headers: { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const s = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { session?: string }).session;
          if (s === undefined) reject(new Error(`no session (HTTP ${String(res.statusCode)})`));
          else resolve(s);
        });
      }).on('error', reject);
      req.end(body);
    }),
    'the token exchange',
  );
}

test('ATTACK U3: a page WebSocket that never reads is dropped, not buffered without bound', { timeout: 180_000 }, async () => {
  const h = await makeHome('alice');
  const ui = await startFor(h);
  try {
    const port = ui.server.port;
    const secret = await session(port, ui.server.url);
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    await within(new Promise<void>((r) => s.once('connect', () => r())), 'the TCP connection');
    s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nSec-WebSocket-Protocol: securechat, session.${secret}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    const head = await within(new Promise<Buffer>((r) => s.once('data', (d: Buffer) => r(d))), 'the upgrade answer');
    assert.match(head.toString('latin1'), /^HTTP\/1\.1 101/);
    s.pause(); // from now on this page reads nothing
    await within(new Promise<void>((r) => setImmediate(r)), 'a turn');
    const text = 'x'.repeat(4096);
    const N = 16 * 1024; // 64 MiB of events
    for (let i = 0; i < N; i++) ui.controller.emit({ type: 'notice', level: 'info', message: text });
    // Now read: either the server ended the socket early (the fix), or every event arrives.
    let bytes = 0;
    const total = N * text.length;
    const outcome = await within(
      new Promise<'closed' | 'all delivered'>((resolve) => {
        s.on('data', (d: Buffer) => {
          bytes += d.length;
          if (bytes >= total) resolve('all delivered');
        });
        s.on('close', () => resolve('closed'));
        s.resume();
      }),
      'the page socket to close or to deliver everything',
      120_000,
    );
    s.destroy();
    assert.equal(outcome, 'closed', `the agent buffered all ${N} events (${Math.round(total / 1048576)} MiB) for a page that did not read`);
  } finally {
    await ui.close();
  }
});
