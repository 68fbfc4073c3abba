/**
 * ATTACK FINDING U2 (attack2, /work/attack2/FINDINGS.md), HIGH: the page's session is a cookie
 * for host 127.0.0.1, and browsers send cookies to every port of a host (SameSite=Strict does
 * not help: another port of 127.0.0.1 is the same site). Any web server another local user
 * runs on 127.0.0.1 (a dev server, or one started for the purpose and linked in a chat)
 * receives alice's session when her browser visits it, and the cookie alone opens the API
 * (a non-browser client sets any Origin it likes). Measured with Chromium: a server running
 * as `nobody` on 127.0.0.1:18xxx received `securechat_ui_PORT=...`, and GET /api/state with it
 * answered 200 with alice's state.
 *
 * Expected (fails on the current code): nothing the browser sends to another port of
 * 127.0.0.1 opens the page's API (e.g. the session lives in the page's memory, delivered in
 * the URL fragment and sent as a header, or the cookie needs a second, non-cookie secret).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launch, makeHome, prepare, removeHomes, startFor } from '../ui/_fixture.js';
import { within } from '../_util/wait.js';

let browser: Browser;
before(async () => {
  prepare();
  browser = await launch();
});
after(async () => {
  await browser.close();
  await removeHomes();
});

function status(port: number, path: string, cookie: string): Promise<number> {
  return within(
    new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, headers: { cookie, host: `127.0.0.1:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    }),
    `GET ${path}`,
  );
}

test('ATTACK U2: what the browser sends to another 127.0.0.1 port does not open the page API', { timeout: 180_000 }, async () => {
  const h = await makeHome('alice');
  const ui = await startFor(h);
  const received: string[] = [];
  const other = createServer((req, res) => {
    if (req.headers.cookie !== undefined) received.push(req.headers.cookie);
    res.end('<p>a page of another local user</p>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const otherPort = (other.address() as AddressInfo).port;
  const page = await browser.newPage();
  try {
    await page.goto(ui.server.url);
    await page.waitForSelector('body');
    assert.equal(await status(ui.server.port, '/api/state', ''), 403, 'without anything, the API is closed');
    await page.goto(`http://127.0.0.1:${otherPort}/`);
    for (const cookie of received) {
      assert.equal(await status(ui.server.port, '/api/state', cookie), 403, `the server on 127.0.0.1:${otherPort} received "${cookie.replace(/=.*/, '=…')}", and with it GET /api/state is answered`);
    }
  } finally {
    await page.close();
    await new Promise<void>((r) => other.close(() => r()));
    await ui.close();
  }
});
